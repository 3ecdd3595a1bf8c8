// The explorer: one self-contained HTML page in which a person hovers any cell of a query and
// sees which training image, and which patch of it, the explanation pasted there, how similar the
// match is, and what other layers or restricted databases say. It opens from file:// offline:
// images are embedded as data URIs, correspondence fields as base64 arrays.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

// One search of one query: at one layer, against one database.
struct ExplorerField {
  std::string layer;     // the layer's name, as the user gave it
  std::string database;  // which database was searched: empty for all training images
  int stride = 1;        // query pixels per cell
  HyperpatchShape hyperpatch;
  CorrespondenceField field;                            // its best match per cell is shown
  cv::Mat input_reconstruction, output_reconstruction;  // BGR, at the query's size
};

struct ExplorerQuery {
  std::string name;
  cv::Mat input, truth, output;  // BGR, one size; truth may be empty
  std::vector<ExplorerField> fields;
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
  // some field matches into are needed (see ExplorerSourceImages); the others may be empty.
  std::vector<std::string> names;
  std::vector<cv::Mat> source_inputs, source_targets;
  std::string first_layer;  // the layer shown first (default: the first field's)
  std::vector<ExplorerLink> links;

  // Throws std::invalid_argument naming the first inconsistent field: no query, a query without
  // fields or of mixed image sizes, a field with a stride below 1, without cells or
  // reconstructions, or that matches an image without name or pixels, a first_layer no field
  // has.
  void Check() const;
};

// The distinct training images the page's fields match into, ascending.
std::vector<int> ExplorerSourceImages(const std::vector<ExplorerQuery>& queries);

// The page as HTML.
std::string ExplorerHtml(const ExplorerPage& page);

// Checks the page and writes it to `path` atomically.
void WriteExplorer(const std::string& path, const ExplorerPage& page);

}  // namespace compnn
