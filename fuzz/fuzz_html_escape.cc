// HTML escaping, against its definition: the output holds none of < > " ' and no & that does not
// start one of the five entities, and unescaping it gives the input back.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "explain/embedded_image.h"
#include "fuzz_input.h"

namespace {

std::string Unescape(const std::string& html) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string text;
  for (std::size_t i = 0; i < html.size();) {
    bool matched = false;
    for (const auto& [entity, character] : kEntities) {
      if (html.compare(i, entity.size(), entity) == 0) {
        text += character;
        i += entity.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (html[i] == '&' || html[i] == '<' || html[i] == '>' || html[i] == '"' || html[i] == '\'')
      std::abort();  // a character that should have been escaped
    text += html[i++];
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = compnn::fuzz::AsText(data, size);
  if (Unescape(compnn::EscapeHtml(text)) != text) std::abort();
  return 0;
}
