#include "compnn/explain/explorer.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "compnn/store/atomic_file.h"
#include "embedded_image.h"
#include "explorer_assets.h"
#include "explorer_credibility.h"

namespace compnn {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the page reads its arrays as little-endian typed arrays");

[[noreturn]] void Fail(const std::string& message) {
  throw std::invalid_argument("explorer page: " + message);
}

void Require(bool condition, const std::string& message) {
  if (!condition) Fail(message);
}

std::string Describe(const ExplorerQuery& q, const ExplorerField& f) {
  return "query '" + q.name + "' at layer '" + f.layer + "'" +
         (f.database.empty() ? "" : " (database '" + f.database + "')");
}

// One component of every cell's best match, as base64 of a little-endian array.
template <typename T, typename Get>
std::string PackBest(const CorrespondenceField& field, Get get) {
  std::vector<T> values;
  values.reserve(static_cast<std::size_t>(field.height) * field.width);
  for (int y = 0; y < field.height; ++y)
    for (int x = 0; x < field.width; ++x) values.push_back(get(field.at(y, x)));
  return Base64(values.data(), values.size() * sizeof(T));
}

// The classes the network predicts, with how often the output reconstruction gives them too.
nlohmann::json AgreementJson(const AgreementWithNetwork& a) {
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassAgreement& c : a.classes) {
    if (c.pixels == 0) continue;
    char colour[8];
    std::snprintf(colour, sizeof colour, "#%02x%02x%02x", c.rgb[0], c.rgb[1], c.rgb[2]);
    classes.push_back(
        {{"name", c.name}, {"colour", colour}, {"pixels", c.pixels}, {"agreement", c.agreement}});
  }
  return {{"overall", a.overall}, {"classes", classes}};
}

nlohmann::json FieldJson(const ExplorerField& f) {
  const CorrespondenceField& c = f.field;
  nlohmann::json json = {
      {"layer", f.layer},
      {"database", f.database},
      {"stride", f.stride},
      {"hyperpatch", {f.hyperpatch.height, f.hyperpatch.width}},
      {"height", c.height},
      {"width", c.width},
      {"image", PackBest<std::int32_t>(c, [](const Match& m) { return m.image; })},
      {"y", PackBest<std::int32_t>(c, [](const Match& m) { return m.y; })},
      {"x", PackBest<std::int32_t>(c, [](const Match& m) { return m.x; })},
      {"similarity", PackBest<float>(c, [](const Match& m) { return m.similarity; })},
      {"mean_similarity", c.MeanSimilarity()},
      {"input_reconstruction", ImageDataUri(f.input_reconstruction)},
      {"output_reconstruction", ImageDataUri(f.output_reconstruction)}};
  if (f.agreement) json["agreement"] = AgreementJson(*f.agreement);
  return json;
}

nlohmann::json PageJson(const ExplorerPage& page) {
  nlohmann::json queries = nlohmann::json::array();
  for (const ExplorerQuery& q : page.queries) {
    nlohmann::json fields = nlohmann::json::array();
    for (const ExplorerField& f : q.fields) fields.push_back(FieldJson(f));
    queries.push_back({{"name", q.name},
                       {"height", q.input.rows},
                       {"width", q.input.cols},
                       {"input", ImageDataUri(q.input)},
                       {"truth", ImageDataUri(q.truth)},
                       {"output", ImageDataUri(q.output)},
                       {"fields", fields}});
    if (q.credibility)
      queries.back()["credibility"] =
          ExplorerCredibilityJson(*q.credibility, page.source_inputs, page.source_targets);
  }
  nlohmann::json sources = nlohmann::json::array();
  for (int i : ExplorerSourceImages(page.queries)) {
    const cv::Mat& target = page.source_targets[i];
    sources.push_back({{"image", i},
                       {"name", page.names[i]},
                       {"height", target.rows},
                       {"width", target.cols},
                       {"input", ImageDataUri(page.source_inputs[i])},
                       {"target", ImageDataUri(target)}});
  }
  nlohmann::json links = nlohmann::json::array();
  for (const ExplorerLink& l : page.links) links.push_back({{"text", l.text}, {"href", l.href}});
  // Credibility's neighbours may come from any training image: their names are all there.
  const bool evidence = std::any_of(page.queries.begin(), page.queries.end(),
                                    [](const ExplorerQuery& q) { return q.credibility; });
  return {{"title", page.title},
          {"names", evidence ? page.names : std::vector<std::string>()},
          {"first_layer",
           page.first_layer.empty() ? page.queries[0].fields[0].layer : page.first_layer},
          {"links", links},
          {"sources", sources},
          {"queries", queries}};
}

// The template with each {{key}} replaced once, left to right; replacements are not searched
// again, so user text that looks like a placeholder stays text.
std::string Fill(std::string_view templ, const std::map<std::string, std::string>& values) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = templ.find("{{", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = templ.find("}}", open);
    if (close == std::string_view::npos) throw std::logic_error("explorer template: '{{' unclosed");
    const std::string key(templ.substr(open + 2, close - open - 2));
    out.append(templ.substr(at, open - at));
    out += values.at(key);
    at = close + 2;
  }
  out.append(templ.substr(at));
  return out;
}

}  // namespace

void ExplorerPage::Check() const {
  Require(!queries.empty(), "no queries");
  Require(source_inputs.size() == names.size() && source_targets.size() == names.size(),
          "names, source_inputs and source_targets differ in length");
  std::set<std::string> layers;
  for (const ExplorerQuery& q : queries) {
    Require(!q.input.empty(), "query '" + q.name + "' has no input image");
    Require(!q.fields.empty(), "query '" + q.name + "' has no fields");
    for (const cv::Mat* m : {&q.truth, &q.output})
      Require(m->empty() || m->size() == q.input.size(),
              "query '" + q.name + "': its images differ in size");
    for (const ExplorerField& f : q.fields) {
      const CorrespondenceField& c = f.field;
      layers.insert(f.layer);
      Require(f.stride >= 1, Describe(q, f) + ": stride must be at least 1");
      Require(c.height >= 1 && c.width >= 1 && c.k >= 1 &&
                  c.matches.size() == static_cast<std::size_t>(c.height) * c.width * c.k,
              Describe(q, f) + ": the field is empty or its matches do not fill it");
      Require(!f.input_reconstruction.empty() && !f.output_reconstruction.empty(),
              Describe(q, f) + ": a reconstruction is missing");
      // Every cell is checked: its message is built only when it fails.
      for (int y = 0; y < c.height; ++y)
        for (int x = 0; x < c.width; ++x) {
          const int i = c.at(y, x).image;
          if (i < 0 || i >= static_cast<int>(names.size()))
            Fail(Describe(q, f) + ": cell (" + std::to_string(y) + ", " + std::to_string(x) +
                 ") matches image " + std::to_string(i) + ", which has no name");
          if (source_inputs[i].empty() || source_targets[i].empty())
            Fail(Describe(q, f) + ": training image '" + names[i] + "' has no pixels");
        }
    }
  }
  for (const ExplorerQuery& q : queries) {
    if (!q.credibility) continue;
    const std::string what = "query '" + q.name + "'";
    CheckExplorerCredibility(*q.credibility, q.input.size(), what);
    for (const ExplorerEvidence& e : q.credibility->evidence)
      for (const Match& m : e.field.matches)
        if (m.image >= static_cast<int>(names.size()))
          Fail(what + ", evidence at '" + e.layer + "': a match into image " +
               std::to_string(m.image) + ", which has no name");
    for (const EvidencePatch& p : ChooseEvidencePatches(*q.credibility))
      if (source_inputs[p.image].empty() || source_targets[p.image].empty())
        Fail(what + ": training image '" + names[p.image] + "' has no pixels for its evidence");
  }
  Require(first_layer.empty() || layers.count(first_layer),
          "first_layer '" + first_layer + "' is not a layer of any field");
}

std::vector<int> ExplorerSourceImages(const std::vector<ExplorerQuery>& queries) {
  std::set<int> used;
  for (const ExplorerQuery& q : queries)
    for (const ExplorerField& f : q.fields)
      for (int y = 0; y < f.field.height; ++y)
        for (int x = 0; x < f.field.width; ++x) used.insert(f.field.at(y, x).image);
  return {used.begin(), used.end()};
}

std::vector<int> ExplorerEvidenceImages(const std::vector<ExplorerQuery>& queries) {
  std::set<int> used;
  for (const ExplorerQuery& q : queries)
    if (q.credibility)
      for (const EvidencePatch& p : ChooseEvidencePatches(*q.credibility)) used.insert(p.image);
  return {used.begin(), used.end()};
}

std::string ExplorerHtml(const ExplorerPage& page) {
  page.Check();
  return Fill(kExplorerTemplate, {{"title", EscapeHtml(page.title)},
                                  {"style", std::string(kExplorerStyle)},
                                  {"data", ScriptSafeJson(PageJson(page))},
                                  {"script", std::string(kExplorerScript)}});
}

void WriteExplorer(const std::string& path, const ExplorerPage& page) {
  WriteFileAtomically(path, ExplorerHtml(page));
}

}  // namespace compnn
