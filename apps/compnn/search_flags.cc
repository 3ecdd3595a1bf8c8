#include "search_flags.h"

#include <map>
#include <nlohmann/json.hpp>

#include "compnn/core/check.h"
#include "compnn/core/strings.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

// What the flags collected before the searcher is made.
struct Chosen {
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

std::string MethodHelp() {
  std::vector<std::string> lines;
  for (const SearcherEntry& e : Searchers()) lines.push_back(e.name + ": " + e.help);
  return Join(lines, "; ");
}

}  // namespace

std::string SeedHelp() {
  std::vector<std::string> drawing;
  for (const SearcherEntry& e : Searchers()) {
    if (e.make(nlohmann::json::object())->traits().uses_seed) drawing.push_back(e.name);
  }
  return Join(drawing, " and ") + ": random seed";
}

void AddSearchFlags(CLI::App* cmd, std::shared_ptr<const Searcher>& searcher) {
  auto chosen = std::make_shared<Chosen>();
  chosen->method = Searchers().front().name;
  std::vector<std::string> names;
  for (const SearcherEntry& e : Searchers()) names.push_back(e.name);
  cmd->add_option("--method", chosen->method, MethodHelp())
      ->type_name(Join(names, "|"))
      ->capture_default_str();
  // One flag per parameter name; a name two methods share is one flag.
  std::map<std::string, std::vector<std::string>> helps;
  std::map<std::string, nlohmann::json> defaults;
  std::map<std::string, bool> integer;
  std::vector<std::string> order;
  for (const SearcherEntry& e : Searchers()) {
    const nlohmann::json current = e.make(nlohmann::json::object())->Parameters();
    for (const SearcherParam& p : e.params) {
      if (!helps.count(p.name)) order.push_back(p.name);
      helps[p.name].push_back(e.name + ": " + p.help);
      integer[p.name] = p.integer;
      if (current.contains(p.name)) defaults[p.name] = current.at(p.name);
    }
  }
  for (const std::string& name : order) {
    cmd->add_option_function<double>(
           FlagForField(name), [chosen, name](double value) { chosen->params[name] = value; },
           Join(helps[name], "; "))
        ->type_name(integer[name] ? "INT" : "FLOAT")
        ->default_str(defaults.count(name) ? defaults[name].dump() : "");
  }
  cmd->parse_complete_callback([chosen, &searcher] {
    try {
      searcher = MakeSearcher(chosen->method, chosen->params);
    } catch (const OptionError& e) {
      const std::string method = e.field() == "method" ? "" : " (--method " + chosen->method + ")";
      throw CLI::ValidationError(DescribeForCommandLine(e) + method);
    }
  });
}

}  // namespace compnn::cli
