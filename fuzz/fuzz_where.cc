// The --where parser and the attribute filter: conditions before the first newline, an image's
// meta.jsonl record (JSON) after it.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "compnn/explain/attribute_filter.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  const std::string_view text = fuzz::AsText(data, size);
  const std::size_t newline = text.find('\n');
  const std::string where(text.substr(0, newline));
  const nlohmann::json meta =
      newline == std::string_view::npos
          ? nlohmann::json::object()
          : nlohmann::json::parse(text.substr(newline + 1), nullptr, /*allow_exceptions=*/false);
  fuzz::Refusable([&] {
    const std::vector<AttributeCondition> conditions = ParseWhere(where);
    Satisfies(meta, conditions);
  });
  return 0;
}
