// The explorer: one self-contained HTML page in which a person hovers any cell of a query and
// sees which training image, and which patch of it, the explanation pasted there, how similar the
// match is, and what other layers or restricted databases say. It opens from file:// offline:
// images are embedded as data URIs, correspondence fields as base64 arrays.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/explain/class_agreement.h"

namespace compnn {

// One search of one query: at one layer, against one database.
struct ExplorerField {
  std::string layer;     // the layer's name, as the user gave it
  std::string database;  // which database was searched: empty for all training images
  int stride = 1;        // query pixels per cell
  HyperpatchShape hyperpatch;
  CorrespondenceField field;                            // its best match per cell is shown
  cv::Mat input_reconstruction, output_reconstruction;  // BGR, at the query's size
  // Label targets: how the output reconstruction follows the network's classes (the page lists
  // the classes it does not follow first); none: not shown.
  std::optional<AgreementWithNetwork> agreement;
};

// One layer's nearest training cells behind a credibility map: the K matches of every cell.
struct ExplorerEvidence {
  std::string layer;
  int stride = 1;  // query pixels per cell
  CorrespondenceField field;
  // Per match (height * width * k): the class of the matched training cell; -1: none (void).
  std::vector<int> labels;
};

// Where not to trust a segmentation network's output on a query (models/credibility_maps.h):
// hovering a pixel shows its credibility and, at each layer, the neighbours that voted, those of
// another class than the predicted one marked. The training patches themselves are embedded as
// crops behind the least credible pixels only: every image of a store can be a neighbour.
struct ExplorerCredibility {
  cv::Mat credibility;  // CV_32F at the query's size, in [0, 1]; NaN: none (an ignored class)
  cv::Mat heat_map;     // BGR, the same size: what the page shows of it
  cv::Mat predicted;    // CV_8U class ids at the query's size
  std::vector<ExplorerEvidence> evidence;
  // Class names and colours (BGR) by id, for the votes' labels.
  std::vector<std::string> class_names;
  std::vector<cv::Vec3b> class_colours;
  // Cells holding a pixel less credible than `threshold` show who voted, and the patches of
  // their disagreeing neighbours are embedded: each cell's closest first, least credible cell
  // first, up to `max_patches` distinct patches a query.
  float threshold = 0.1f;
  int max_patches = 1000;
};

struct ExplorerQuery {
  std::string name;
  cv::Mat input, truth, output;  // BGR, one size; truth may be empty
  std::vector<ExplorerField> fields;
  std::optional<ExplorerCredibility> credibility;
};

// A link shown in the page's header, e.g. to a report the page belongs to.
struct ExplorerLink {
  std::string text;
  std::string href;
};

struct ExplorerPage {
  std::string title;
  std::vector<ExplorerQuery> queries;
  // The store's image names, and the training pairs (BGR) indexed the same way: only the images
  // some field matches into (ExplorerSourceImages) and those credibility evidence is cut from
  // (ExplorerEvidenceImages) are needed; the others may be empty.
  std::vector<std::string> names;
  std::vector<cv::Mat> source_inputs, source_targets;
  std::string first_layer;  // the layer shown first (default: the first field's)
  std::vector<ExplorerLink> links;

  // Throws std::invalid_argument naming the first inconsistent field: no query, a query without
  // fields or of mixed image sizes, a field with a stride below 1, without cells or
  // reconstructions, or that matches an image without name or pixels, a first_layer no field
  // has, credibility maps of another size than the query's, evidence whose labels do not fill its
  // field or that name a class without a name.
  void Check() const;
};

// The distinct training images the page's fields match into, ascending: the page embeds them whole.
std::vector<int> ExplorerSourceImages(const std::vector<ExplorerQuery>& queries);
// The distinct training images the page cuts credibility evidence patches from, ascending.
std::vector<int> ExplorerEvidenceImages(const std::vector<ExplorerQuery>& queries);

// The page as HTML.
std::string ExplorerHtml(const ExplorerPage& page);

// Checks the page and writes it to `path` atomically.
void WriteExplorer(const std::string& path, const ExplorerPage& page);

}  // namespace compnn
