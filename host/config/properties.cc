#include "host/config/properties.h"

namespace sluice::config {
namespace {

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A logical line as Java's LineReader.readLine makes it (followed step by
// step, edge cases included): comment and blank lines skipped, leading white
// space dropped, continuations joined. Characters are UTF-16 code units, the
// bytes read as ISO-8859-1; backslashes are left for convert().
struct LineReader {
  std::string_view in;
  size_t pos = 0;
  size_t newlines = 0;  // line breaks read so far, for error messages
  bool skipLF = false;

  // Returns false at the end of the input.
  bool next(std::u16string* line, size_t* lineNo) {
    line->clear();
    bool skipWhiteSpace = true, appendedLineBegin = false, precedingBackslash = false;
    *lineNo = newlines + 1;
    while (true) {
      if (pos >= in.size()) {
        if (line->empty()) return false;
        if (precedingBackslash) line->pop_back();
        return true;
      }
      char16_t c = static_cast<unsigned char>(in[pos++]);
      if (c == u'\n' || c == u'\r') ++newlines;
      if (skipLF) {
        skipLF = false;
        if (c == u'\n') {
          --newlines;  // the \n of a \r\n
          continue;
        }
      }
      if (skipWhiteSpace) {
        if (c == u' ' || c == u'\t' || c == u'\f') continue;
        if (!appendedLineBegin && (c == u'\r' || c == u'\n')) {
          if (c == u'\r') skipLF = true;
          *lineNo = newlines + 1;
          continue;
        }
        skipWhiteSpace = false;
        appendedLineBegin = false;
      }
      if (line->empty() && (c == u'#' || c == u'!')) {
        // A comment: the rest of the physical line.
        while (pos < in.size() && in[pos] != '\n' && in[pos] != '\r') ++pos;
        skipWhiteSpace = true;
        continue;
      }
      if (c != u'\n' && c != u'\r') {
        line->push_back(c);
        precedingBackslash = c == u'\\' ? !precedingBackslash : false;
        continue;
      }
      if (c == u'\r') skipLF = true;
      if (line->empty()) {
        skipWhiteSpace = true;
        *lineNo = newlines + 1;
        continue;
      }
      if (!precedingBackslash) return true;
      // A backslash at the end of the line continues it on the next one,
      // without that line's leading white space.
      line->pop_back();
      skipWhiteSpace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
    }
  }
};

// Java's loadConvert: escapes to characters, the result as UTF-8.
Status convert(const std::u16string& s, size_t from, size_t to, size_t lineNo, std::string* out) {
  std::u16string units;
  for (size_t i = from; i < to;) {
    char16_t c = s[i++];
    if (c != u'\\') {
      units.push_back(c);
      continue;
    }
    if (i >= to) break;  // a lone backslash at the end of a value is dropped
    c = s[i++];
    if (c == u'u') {
      if (to - i < 4) return Status::invalid("line " + std::to_string(lineNo) + ": Malformed \\uxxxx encoding.");
      char16_t v = 0;
      for (int k = 0; k < 4; ++k) {
        char16_t h = s[i++];
        int d = h >= u'0' && h <= u'9' ? h - u'0' : h >= u'a' && h <= u'f' ? h - u'a' + 10 : h >= u'A' && h <= u'F' ? h - u'A' + 10 : -1;
        if (d < 0) return Status::invalid("line " + std::to_string(lineNo) + ": Malformed \\uxxxx encoding.");
        v = static_cast<char16_t>((v << 4) | d);
      }
      units.push_back(v);
    } else {
      units.push_back(c == u't' ? u'\t' : c == u'r' ? u'\r' : c == u'n' ? u'\n' : c == u'f' ? u'\f' : c);
    }
  }
  // UTF-16 to UTF-8; a lone surrogate becomes '?', as Java's encoder writes it.
  for (size_t i = 0; i < units.size(); ++i) {
    char16_t u = units[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units.size() && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
      appendUtf8(*out, 0x10000 + ((static_cast<uint32_t>(u) - 0xD800) << 10) + (units[i + 1] - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      *out += '?';
    } else {
      appendUtf8(*out, u);
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parseProperties(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  LineReader reader{text};
  std::u16string line;
  size_t lineNo = 0;
  while (reader.next(&line, &lineNo)) {
    // The key ends at the first unescaped '=', ':' or white space.
    size_t len = line.size(), keyLen = 0, valueStart = len;
    bool hasSep = false, precedingBackslash = false;
    while (keyLen < len) {
      char16_t c = line[keyLen];
      if ((c == u'=' || c == u':') && !precedingBackslash) {
        valueStart = keyLen + 1;
        hasSep = true;
        break;
      }
      if ((c == u' ' || c == u'\t' || c == u'\f') && !precedingBackslash) {
        valueStart = keyLen + 1;
        break;
      }
      precedingBackslash = c == u'\\' ? !precedingBackslash : false;
      ++keyLen;
    }
    while (valueStart < len) {
      char16_t c = line[valueStart];
      if (!(c == u' ' || c == u'\t' || c == u'\f')) {
        if (!hasSep && (c == u'=' || c == u':')) hasSep = true;
        else break;
      }
      ++valueStart;
    }
    std::string key, value;
    if (auto s = convert(line, 0, keyLen, lineNo, &key); !s) return s;
    if (auto s = convert(line, valueStart, len, lineNo, &value); !s) return s;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

bool isPropertiesFile(const std::string& path) { return path.size() > 11 && path.ends_with(".properties"); }

}  // namespace sluice::config
