// Running a trained network on images, and a contact sheet of its predictions.
#pragma once

#include <map>
#include <opencv2/core.hpp>
#include <set>
#include <string>

#include "compnn/core/activation_map.h"
#include "compnn/data/dataset.h"
#include "compnn/models/model.h"
#include "compnn/pipeline/query_network.h"

namespace compnn {

class Network;

// The model's output for one BGR image (resized to the model's size first: area interpolation
// for photos, nearest neighbour for label images), as a BGR image: the generated image for
// pix2pix, the palette colours of the arg-max class for SegNet.
cv::Mat Predict(Model& model, const cv::Mat& input, bool input_is_labels, const Palette* palette);

// Throws std::runtime_error naming an unknown layer (with the layers there are).
QueryRun RunQuery(Model& model, const cv::Mat& input, bool input_is_labels, const Palette* palette,
                  const std::set<std::string>& layers);

// The direction a model was trained with, and whether its input side holds labels.
Direction ModelDirection(const Network& network);

// Rows of input | output | target for the first `count` pairs of a split.
cv::Mat PredictionSheet(Model& model, const Dataset& dataset, const std::string& split, int count,
                        int tile);

}  // namespace compnn
