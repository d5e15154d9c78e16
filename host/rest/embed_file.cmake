# Turns a file into a C++ source that returns its bytes, so the binary carries
# it (the OpenAPI document served at GET /openapi.yaml) and needs no path at
# run time. Run by host/CMakeLists.txt at build time:
#   cmake -DINPUT=docs/openapi.yaml -DOUTPUT=openapi_yaml.cc -DFUNCTION=openApiYaml \
#         -DHEADER=host/rest/openapi.h -P embed_file.cmake
# Bytes, not a string literal: any byte sequence survives unchanged.
foreach(var INPUT OUTPUT FUNCTION HEADER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hexLength)
math(EXPR size "${hexLength} / 2")
if(size EQUAL 0)
  message(FATAL_ERROR "embed_file.cmake: ${INPUT} is empty")
endif()
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line (CMake regexes have no {n} repetition).
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
file(RELATIVE_PATH shownInput "${CMAKE_CURRENT_LIST_DIR}/../.." "${INPUT}")

set(text "// Generated from ${shownInput} by host/rest/embed_file.cmake at build time: do not edit.
#include \"${HEADER}\"

namespace sluice::rest {
namespace {
const unsigned char kBytes[${size}] = {
    ${bytes}};
}  // namespace

std::string_view ${FUNCTION}() { return {reinterpret_cast<const char*>(kBytes), sizeof kBytes}; }

}  // namespace sluice::rest
")
# Write only on change, so an unchanged input rebuilds nothing downstream.
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
