# sluice_plugin(<target> SOURCES <files...> [OUTPUT_NAME <name>])
# Builds a Sluice plugin: a shared library with hidden symbol visibility so that
# only the entry symbol is exported, and no "lib" prefix.
function(sluice_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE Sluice::sdk)
  # GCC 12 false positive on designated initializers of sluice::Option.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-missing-field-initializers>)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  if(NOT APPLE)
    # Export the entry symbol and nothing else: without a version script,
    # libstdc++ template instances (std::regex, hash tables) would still be
    # exported with default visibility, some as GNU_UNIQUE.
    set(map ${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
    file(WRITE ${map} "{ global: sluice_plugin_entry; local: *; };\n")
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--version-script=${map})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
  endif()
endfunction()
