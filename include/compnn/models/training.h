// compnn train: trains a pix2pix or SegNet network on a dataset in the pix2pix layout, with
// checkpoints that survive an interruption (resume continues where it stopped).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/models/model_types.h"

namespace compnn {

struct TrainOptions {
  Architecture arch = Architecture::kPix2Pix;  // pix2pix or segnet
  std::string data;                            // dataset folder
  Direction direction = Direction::kAtoB;
  std::string out;  // model file; MODEL.ckpt and MODEL.log.jsonl beside it
  // The training image size; none: 128 on the shorter side at the dataset's aspect ratio (see
  // DefaultTrainingSize).
  std::optional<ImageSize> size;
  int epochs = 50;
  int batch = 4;
  int ngf = 32, max_mult = 4;                    // pix2pix
  std::vector<int> widths = {32, 64, 128, 256};  // segnet
  double learning_rate = 2e-4;
  // The last `decay_epochs` epochs lower the learning rate linearly towards 0 (pix2pix's schedule).
  int decay_epochs = 0;
  // Random crops of at least this fraction of the side, resized back (1: no crops). Scale and
  // translation jitter, against overfitting a small training set.
  double min_crop = 1.0;
  double l1_weight = 100.0;  // pix2pix: L1 weight against the GAN loss
  // segnet: class c weighs (median_f / f_c) ^ this in the loss. 1 is SegNet's median frequency
  // balancing: thin classes weigh many times common ones, so the network paints them wider than
  // they are labelled (higher recall, lower precision); 0 weighs every pixel alike.
  double class_weight_power = 1.0;
  std::uint64_t seed = 0;
  bool resume = false;
  // Start from the weights of this model file (same architecture and shape) instead of random
  // ones: fine-tuning, e.g. with a decaying learning rate.
  std::string init;
  int threads = 0;       // LibTorch threads; 0: every core
  int train_images = 0;  // 0: the whole train split
  int val_images = 0;    // 0: the whole val split

  // Throws OptionError naming the field: an architecture compnn does not train, empty paths,
  // counts below 1, decay_epochs outside [0, epochs], min_crop outside (0, 1].
  void Check() const;
};

struct BatchStatus {
  int epoch = 0, epochs = 0, done = 0, total = 0;
  double loss = 0, loss_d = 0;  // generator (or segmentation) loss; discriminator loss (pix2pix)
  double images_per_second = 0;
};

struct EpochReport {
  int epoch = 0;
  double seconds = 0, images_per_second = 0, loss = 0, loss_d = 0;
  nlohmann::json validation;  // pixel_accuracy, mean_iou, ... or l1, psnr for photo targets
  bool best = false;          // the model file holds this epoch's weights
  // Validation mean IoU (label targets), by which the best epoch is chosen.
  double Score() const;
  nlohmann::json ToJson() const;
};

struct TrainCallbacks {
  std::function<void(const BatchStatus&)> on_batch;
  std::function<void(const EpochReport&)> on_epoch;
};

// The size a network trains at when none is given: 128 on the shorter side, and the longer side
// keeping the dataset's aspect ratio as closely as the architecture allows (pix2pix: a multiple of
// the shorter side; segnet: of its total stride, 2 ^ encoder blocks). A square dataset gives
// 128 x 128.
ImageSize DefaultTrainingSize(const ImageSize& dataset_images, const TrainOptions& options);

// Runs the remaining epochs, writing the model file after every epoch for photo targets and
// whenever an epoch has the best validation mean IoU so far for label targets; throws
// std::runtime_error naming the file for a dataset that does not fit the architecture, or a
// checkpoint that does not fit the options.
std::vector<EpochReport> Train(const TrainOptions& options, const TrainCallbacks& callbacks = {});

}  // namespace compnn
