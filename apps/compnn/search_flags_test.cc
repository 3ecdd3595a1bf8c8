#include "search_flags.h"

#include <gtest/gtest.h>

#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

// Parses `words` (in order) as a command with the search flags; the searcher they chose.
std::shared_ptr<const Searcher> Parse(std::vector<std::string> words) {
  CLI::App app;
  std::shared_ptr<const Searcher> searcher;
  AddSearchFlags(&app, searcher);
  std::reverse(words.begin(), words.end());  // CLI11 reads the vector backwards
  app.parse(words);
  return searcher;
}

TEST(SearchFlags, DefaultIsHyperPatchMatchWithItsDefaults) {
  const auto searcher = Parse({});
  ASSERT_NE(searcher, nullptr);
  EXPECT_EQ(searcher->name(), "hpm");
  EXPECT_EQ(searcher->Parameters().at("max_iterations"), PatchMatchParams{}.max_iterations);
}

TEST(SearchFlags, ChoosesTheMethodAndSetsItsParameters) {
  const auto hpm = Parse({"--iterations", "5", "--search-matches", "2", "--min-improved", "0.5"});
  EXPECT_EQ(hpm->Parameters().at("max_iterations"), 5);
  EXPECT_EQ(hpm->Parameters().at("search_matches"), 2);
  EXPECT_DOUBLE_EQ(hpm->Parameters().at("min_improved_fraction").get<double>(), 0.5);
  const auto projected = Parse({"--method", "projected", "--components", "8", "--shortlist", "4"});
  EXPECT_EQ(projected->name(), "projected");
  EXPECT_EQ(projected->Parameters().at("components"), 8);
  EXPECT_EQ(projected->Parameters().at("shortlist"), 4);
  EXPECT_EQ(projected->Parameters().at("sample"), ProjectedParams{}.sample);
  EXPECT_EQ(Parse({"--method", "exact"})->name(), "exact");
}

// What error a command line gets, naming the flag.
std::string Refusal(const std::vector<std::string>& words) {
  try {
    Parse(words);
  } catch (const CLI::ValidationError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(SearchFlags, RefusesWhatTheChosenMethodDoesNotTake) {
  EXPECT_NE(Refusal({"--method", "exact", "--iterations", "5"})
                .find("--iterations is not a parameter of exact search"),
            std::string::npos);
  EXPECT_NE(Refusal({"--method", "fast"}).find("--method must be one of \"hpm\", \"exact\""),
            std::string::npos);
  EXPECT_NE(Refusal({"--iterations", "2.5"}).find("--iterations must be a whole number"),
            std::string::npos);
  EXPECT_NE(Refusal({"--iterations", "-1"}).find("--iterations must be in [0, "),
            std::string::npos);
  EXPECT_NE(Refusal({"--method", "projected", "--components", "0"}).find("--components must be"),
            std::string::npos);
}

TEST(SearchFlags, HelpListsEveryRegisteredMethodAndParameter) {
  CLI::App app;
  std::shared_ptr<const Searcher> searcher;
  AddSearchFlags(&app, searcher);
  const std::string help = app.help();
  for (const SearcherEntry& e : Searchers()) {
    EXPECT_NE(help.find(e.name + ": "), std::string::npos) << e.name;
    for (const SearcherParam& p : e.params) {
      EXPECT_NE(help.find(FlagForField(p.name)), std::string::npos) << p.name;
    }
  }
}

}  // namespace
}  // namespace compnn::cli
