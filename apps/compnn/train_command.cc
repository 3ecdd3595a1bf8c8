// compnn train: trains a built-in network on a dataset.
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/models/model.h"
#include "compnn/models/training.h"
#include "progress_bar.h"
#include "typed_options.h"

namespace compnn::cli {

namespace {

// A bar per epoch over its batches, labelled with the running loss, and a line per epoch.
class TrainingProgress {
 public:
  explicit TrainingProgress(Architecture arch) : gan_(arch == Architecture::kPix2Pix) {}

  void OnBatch(const BatchStatus& s) {
    if (s.epoch != bar_epoch_) {
      bar_ = std::make_unique<ProgressBar>("", s.total);
      bar_epoch_ = s.epoch;
    }
    char label[160];
    std::snprintf(label, sizeof label, "epoch %d/%d loss %.3f%s %.1f img/s", s.epoch, s.epochs,
                  s.loss, gan_ ? (" D " + std::to_string(s.loss_d).substr(0, 5)).c_str() : "",
                  s.images_per_second);
    bar_->SetLabel(label);
    bar_->Update(s.done);
  }

  void OnEpoch(const EpochReport& r) {
    if (bar_) bar_->Finish();
    std::printf("epoch %d: loss %.4f%s, %.1f images/s, %.0f s; validation %s\n", r.epoch, r.loss,
                gan_ ? (", D " + std::to_string(r.loss_d)).c_str() : "", r.images_per_second,
                r.seconds, r.validation.dump().c_str());
    std::fflush(stdout);
  }

 private:
  bool gan_;
  std::unique_ptr<ProgressBar> bar_;
  int bar_epoch_ = 0;
};

void RunTrain(const TrainOptions& o) {
  TrainingProgress progress(o.arch);
  TrainCallbacks callbacks;
  callbacks.on_batch = [&progress](const BatchStatus& s) { progress.OnBatch(s); };
  callbacks.on_epoch = [&progress](const EpochReport& r) { progress.OnEpoch(r); };
  Train(o, callbacks);
  std::printf("wrote %s\n", o.out.c_str());
}

}  // namespace

void AddTrainCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "train");
  AddEnumOption(cmd, "--arch", o->arch,
                {{"pix2pix", Architecture::kPix2Pix}, {"segnet", Architecture::kSegNet}},
                "network to train")
      ->required();
  cmd->add_option("--data", o->data, "dataset folder")->required()->check(CLI::ExistingDirectory);
  AddEnumOption(cmd, "--direction", o->direction, DirectionNames(),
                "AtoB: read A, predict B; BtoA: the reverse");
  cmd->add_option("--out", o->out, "model file to write")->required();
  AddImageSizeOption(cmd, "--size", o->size,
                     "training image size HxW, or N for N x N (default: 128 on the shorter side at "
                     "the dataset's aspect ratio)");
  cmd->add_option("--epochs", o->epochs)->check(AtLeast(1))->capture_default_str();
  cmd->add_option("--batch", o->batch)->check(AtLeast(1))->capture_default_str();
  cmd->add_option("--ngf", o->ngf, "pix2pix: filters of the first layer")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--max-mult", o->max_mult, "pix2pix: filters capped at ngf x this")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--widths", o->widths, "segnet: filters of each encoder block")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--lr", o->learning_rate, "Adam learning rate (beta1 0.5)")
      ->capture_default_str();
  cmd->add_option("--decay-epochs", o->decay_epochs,
                  "lower the learning rate linearly to 0 over the last N epochs")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--min-crop", o->min_crop,
                  "augment with random crops of at least this fraction of the side (1: none)")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  cmd->add_option("--class-weight-power", o->class_weight_power,
                  "segnet: class c weighs (median frequency / its frequency) ^ P; 1: SegNet's "
                  "median frequency balancing, 0: every pixel alike")
      ->check(CLI::Range(0.0, 4.0))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed)->capture_default_str();
  cmd->add_option("--train-images", o->train_images,
                  "use only the first N training images (0: all)")
      ->capture_default_str();
  cmd->add_option("--val-images", o->val_images, "validate on the first N images (0: all)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "LibTorch threads (0: every core); fewer leaves cores for other work")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume, "continue from MODEL.ckpt");
  cmd->add_option("--init", o->init,
                  "start from this model file's weights (same --arch and shapes): fine-tuning")
      ->check(CLI::ExistingFile);
  cmd->callback([&run, o] { run = [o] { RunTrain(*o); }; });
}

}  // namespace compnn::cli
