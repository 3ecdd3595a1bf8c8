#include "compnn/models/training.h"

#include <cmath>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include <torch/torch.h>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/core/thread_limit.h"
#include "compnn/eval/metrics.h"
#include "compnn/models/model.h"
#include "compnn/models/network.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/writer_lock.h"
#include "losses.h"
#include "training_data.h"
#include "unet.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

// Everything one training run holds; a checkpoint is all of it at an epoch's end.
struct Run {
  TrainOptions options;
  Direction direction = Direction::kAtoB;
  Dataset dataset;
  std::shared_ptr<Network> generator;
  std::shared_ptr<models::PatchGan> discriminator;  // pix2pix only
  std::unique_ptr<torch::optim::Adam> optimizer, optimizer_d;
  models::SplitTensors train, val;
  torch::Tensor class_weights;  // segnet: median frequency balancing
  // pix2pix with label targets whose palette has an ignore class: its colour in [-1, 1], N x 3 x 1
  // x 1
  torch::Tensor ignore_colour;
  int epoch = 0;  // epochs finished
  std::vector<EpochReport> reports;

  bool pix2pix() const { return options.arch == Architecture::kPix2Pix; }
  std::string checkpoint_path() const { return options.out + ".ckpt"; }
  std::string log_path() const { return options.out + ".log.jsonl"; }
};

NetworkConfig MakeConfig(const TrainOptions& o, const Dataset& dataset) {
  NetworkConfig c;
  c.arch = o.arch;
  c.size = *o.size;
  c.ngf = o.ngf;
  c.max_mult = o.max_mult;
  c.widths = o.widths;
  c.out_channels = o.arch == Architecture::kSegNet ? dataset.palette().size() : 3;
  c.extra = {{"dataset", fs::absolute(o.data).string()},
             {"direction", ToString(o.direction)},
             {"label_side", dataset.label_side() ? ToString(*dataset.label_side()) : ""},
             {"seed", o.seed},
             {"batch", o.batch},
             {"learning_rate", o.learning_rate},
             {"decay_epochs", o.decay_epochs},
             {"min_crop", o.min_crop},
             {"init", o.init}};
  if (o.arch == Architecture::kSegNet) c.extra["class_weight_power"] = o.class_weight_power;
  if (dataset.has_labels()) c.extra["palette"] = dataset.palette().ToJson();
  return c;
}

// Copies every parameter and buffer of a model file into `network`; throws naming the file when
// its architecture or shapes differ.
void InitialiseFrom(const std::string& path, Network& network) {
  const std::shared_ptr<Network> source = LoadNetwork(path, network.config().arch);
  torch::NoGradGuard no_grad;
  auto copy = [&](const auto& from, const auto& to, const char* what) {
    if (from.size() != to.size())
      throw std::runtime_error(path + ": its " + what + " do not match the network's options");
    for (const auto& item : to) {
      const torch::Tensor* value = from.find(item.key());
      COMPNN_CHECK(value && value->sizes() == item.value().sizes(), path, ": ", what, " ",
                   item.key(), " does not match the network's options");
      item.value().copy_(*value);
    }
  };
  copy(source->named_parameters(), network.named_parameters(), "parameters");
  copy(source->named_buffers(), network.named_buffers(), "buffers");
}

// The checkpoint's fingerprint: resuming with other options would not continue the same run.
nlohmann::json Fingerprint(const TrainOptions& o) {
  nlohmann::json fingerprint = {{"arch", ToString(o.arch)},
                                {"direction", ToString(o.direction)},
                                {"size", ImageSizeToJson(*o.size)},
                                {"batch", o.batch},
                                {"ngf", o.ngf},
                                {"max_mult", o.max_mult},
                                {"widths", o.widths},
                                {"seed", o.seed},
                                {"learning_rate", o.learning_rate},
                                {"train_images", o.train_images}};
  // Added later: present only when used, so older checkpoints still resume.
  if (!o.init.empty()) fingerprint["init"] = o.init;
  if (o.decay_epochs > 0) fingerprint["decay_epochs"] = o.decay_epochs;
  if (o.min_crop < 1.0) fingerprint["min_crop"] = o.min_crop;
  if (o.class_weight_power != 1.0) fingerprint["class_weight_power"] = o.class_weight_power;
  return fingerprint;
}

EpochReport ReportFromJson(const nlohmann::json& j) {
  EpochReport r;
  r.epoch = j.at("epoch");
  r.seconds = j.at("seconds");
  r.images_per_second = j.at("images_per_second");
  r.loss = j.at("loss");
  r.loss_d = j.value("loss_d", 0.0);
  r.validation = j.at("validation");
  r.best = j.value("best", false);
  return r;
}

void WriteLog(const Run& run) {
  std::string log;
  for (const EpochReport& r : run.reports) log += r.ToJson().dump() + "\n";
  WriteFileAtomically(run.log_path(), log);
}

void SaveCheckpoint(Run& run) {
  torch::serialize::OutputArchive archive;
  archive.write("fingerprint", c10::IValue(Fingerprint(run.options).dump()));
  archive.write("epoch", c10::IValue(static_cast<int64_t>(run.epoch)));
  // The epochs' reports travel with the state they describe: a run killed after the checkpoint
  // but before the log resumes with every report (the log is rewritten from these).
  nlohmann::json reports = nlohmann::json::array();
  for (const EpochReport& r : run.reports) reports.push_back(r.ToJson());
  archive.write("reports", c10::IValue(reports.dump()));
  torch::serialize::OutputArchive g, og;
  run.generator->save(g);
  run.optimizer->save(og);
  archive.write("generator", g);
  archive.write("optimizer", og);
  if (run.pix2pix()) {
    torch::serialize::OutputArchive d, od;
    run.discriminator->save(d);
    run.optimizer_d->save(od);
    archive.write("discriminator", d);
    archive.write("optimizer_d", od);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  WriteFileAtomically(run.checkpoint_path(), bytes.str());
}

void LoadCheckpoint(Run& run) {
  const std::string path = run.checkpoint_path();
  std::string saved_reports;
  if (!fs::exists(path)) throw std::runtime_error(path + ": no checkpoint to resume from");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    c10::IValue fingerprint, epoch;
    archive.read("fingerprint", fingerprint);
    COMPNN_CHECK(nlohmann::json::parse(fingerprint.toStringRef()) == Fingerprint(run.options),
                 "it was made with other options: ", fingerprint.toStringRef());
    archive.read("epoch", epoch);
    run.epoch = static_cast<int>(epoch.toInt());
    c10::IValue reports;
    if (archive.try_read("reports", reports)) saved_reports = reports.toStringRef();
    torch::serialize::InputArchive g, og;
    archive.read("generator", g);
    archive.read("optimizer", og);
    run.generator->load(g);
    run.optimizer->load(og);
    if (run.pix2pix()) {
      torch::serialize::InputArchive d, od;
      archive.read("discriminator", d);
      archive.read("optimizer_d", od);
      run.discriminator->load(d);
      run.optimizer_d->load(od);
    }
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw std::runtime_error(path + ": cannot resume: " + why.substr(0, why.find('\n')));
  }
  if (!saved_reports.empty()) {
    for (const nlohmann::json& j : nlohmann::json::parse(saved_reports))
      run.reports.push_back(ReportFromJson(j));
  } else {
    // A checkpoint from before reports were kept in it: the log's first lines.
    std::ifstream log(run.log_path());
    std::string line;
    while (std::getline(log, line) && static_cast<int>(run.reports.size()) < run.epoch)
      run.reports.push_back(ReportFromJson(nlohmann::json::parse(line)));
  }
  WriteLog(run);  // the log of the state resumed from, whatever a kill left in it
}

nlohmann::json Validate(Run& run) {
  torch::NoGradGuard no_grad;
  run.generator->eval();
  const int n = static_cast<int>(run.val.inputs.size(0));
  const bool labels = run.val.target_classes.defined();
  ConfusionMatrix confusion(labels ? run.dataset.palette().size() : 1);
  double l1 = 0;
  for (int i = 0; i < n; i += run.options.batch) {
    const int count = std::min(run.options.batch, n - i);
    const torch::Tensor out = run.generator->Forward(run.val.inputs.narrow(0, i, count));
    for (int j = 0; j < count; ++j) {
      if (!labels) {
        l1 += (out[j] - run.val.targets[i + j]).abs().mean().item<double>() / n;
        continue;
      }
      cv::Mat predicted;
      if (run.pix2pix()) {
        predicted = run.dataset.palette().Classes(models::TensorToImage(out[j]), true);
      } else {
        const torch::Tensor ids = out[j].argmax(0).to(torch::kUInt8).contiguous();
        predicted = cv::Mat(static_cast<int>(ids.size(0)), static_cast<int>(ids.size(1)), CV_8U,
                            ids.data_ptr<uint8_t>())
                        .clone();
      }
      const torch::Tensor truth = run.val.target_classes[i + j].contiguous();
      confusion.Add(predicted.data, truth.data_ptr<uint8_t>(), predicted.total());
    }
  }
  run.generator->train();
  if (!labels) return {{"l1", l1}, {"psnr", 10 * std::log10(4.0 / std::max(1e-12, l1 * l1))}};
  return {{"pixel_accuracy", confusion.PixelAccuracy()},
          {"mean_pixel_accuracy", confusion.MeanPixelAccuracy()},
          {"mean_iou", confusion.MeanIoU()}};
}

// Replaces each pair by a random crop of at least `min_crop` of each side (the same fraction for
// both, keeping the aspect ratio), resized back:
// bilinear for the input, nearest neighbour for the target (class ids or a label image stay
// exact).
void RandomCrops(double min_crop, torch::Tensor& input, torch::Tensor& target) {
  namespace F = torch::nn::functional;
  const int64_t height = input.size(2), width = input.size(3);
  const bool classes = target.dim() == 3;
  std::vector<torch::Tensor> inputs, targets;
  for (int64_t j = 0; j < input.size(0); ++j) {
    const double fraction = min_crop + (1.0 - min_crop) * torch::rand({1}).item<double>();
    const int64_t h = std::clamp<int64_t>(std::llround(height * fraction), 1, height);
    const int64_t w = std::clamp<int64_t>(std::llround(width * fraction), 1, width);
    const int64_t y = torch::randint(height - h + 1, {1}).item<int64_t>();
    const int64_t x = torch::randint(width - w + 1, {1}).item<int64_t>();
    const std::vector<int64_t> out = {height, width};
    torch::Tensor in = input[j].narrow(1, y, h).narrow(2, x, w).unsqueeze(0);
    inputs.push_back(F::interpolate(
        in, F::InterpolateFuncOptions().size(out).mode(torch::kBilinear).align_corners(false))[0]);
    torch::Tensor t = classes ? target[j].unsqueeze(0).to(torch::kFloat) : target[j];
    t = t.narrow(1, y, h).narrow(2, x, w).unsqueeze(0);
    t = F::interpolate(t, F::InterpolateFuncOptions().size(out).mode(torch::kNearest))[0];
    targets.push_back(classes ? t[0].to(target.scalar_type()) : t);
  }
  input = torch::stack(inputs);
  target = torch::stack(targets);
}

// The learning rate of an epoch: constant, then linear decay over the last `decay_epochs`.
double EpochLearningRate(const TrainOptions& o, int epoch) {
  const int decay_start = o.epochs - o.decay_epochs;
  if (o.decay_epochs <= 0 || epoch <= decay_start) return o.learning_rate;
  return o.learning_rate * (o.epochs - epoch + 1) / (o.decay_epochs + 1.0);
}

void SetLearningRate(torch::optim::Adam& optimizer, double rate) {
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(rate);
}

// The batch's augmentation: a random crop of each pair (when asked for), then random horizontal
// flips.
void Augment(const TrainOptions& options, int count, torch::Tensor& input, torch::Tensor& target) {
  if (options.min_crop < 1.0) RandomCrops(options.min_crop, input, target);
  const torch::Tensor flip = torch::rand({count}) < 0.5;
  input = torch::where(flip.view({-1, 1, 1, 1}), input.flip({3}), input);
  target = target.dim() == 4 ? torch::where(flip.view({-1, 1, 1, 1}), target.flip({3}), target)
                             : torch::where(flip.view({-1, 1, 1}), target.flip({2}), target);
}

// One pix2pix step, the discriminator's then the generator's; returns their losses (generator
// first).
std::pair<double, double> Pix2PixStep(Run& run, const torch::Tensor& input,
                                      const torch::Tensor& target) {
  const torch::Tensor fake = run.generator->Forward(input);
  // Discriminator: real pairs towards 1, generated pairs towards 0.
  run.optimizer_d->zero_grad();
  const torch::Tensor real_logits = run.discriminator->forward(torch::cat({input, target}, 1));
  const torch::Tensor fake_logits =
      run.discriminator->forward(torch::cat({input, fake.detach()}, 1));
  const torch::Tensor loss_d =
      0.5 * (torch::binary_cross_entropy_with_logits(real_logits, torch::ones_like(real_logits)) +
             torch::binary_cross_entropy_with_logits(fake_logits, torch::zeros_like(fake_logits)));
  loss_d.backward();
  run.optimizer_d->step();
  // Generator: fool the discriminator, stay close to the target in L1.
  run.optimizer->zero_grad();
  const torch::Tensor judged = run.discriminator->forward(torch::cat({input, fake}, 1));
  const torch::Tensor loss =
      torch::binary_cross_entropy_with_logits(judged, torch::ones_like(judged)) +
      run.options.l1_weight * models::MaskedL1(fake, target, run.ignore_colour);
  loss.backward();
  run.optimizer->step();
  return {loss.item<double>(), loss_d.item<double>()};
}

// One segnet step; returns its loss.
double SegNetStep(Run& run, const torch::Tensor& input, const torch::Tensor& target) {
  run.optimizer->zero_grad();
  const torch::Tensor loss =
      models::ClassLoss(run.generator->Forward(input), target, run.class_weights);
  loss.backward();
  run.optimizer->step();
  return loss.item<double>();
}

// One epoch over the shuffled training set; returns the mean losses.
std::pair<double, double> TrainEpoch(Run& run, const TrainCallbacks& callbacks, int epoch) {
  const int n = static_cast<int>(run.train.inputs.size(0));
  const int batch = run.options.batch;
  const torch::Tensor order = torch::randperm(n, torch::kLong);
  double loss_sum = 0, loss_d_sum = 0;
  int batches = 0;
  const auto start = Clock::now();
  for (int i = 0; i + batch <= n || (i < n && i == 0); i += batch) {
    const int count = std::min(batch, n - i);
    const torch::Tensor index = order.narrow(0, i, count);
    torch::Tensor input = run.train.inputs.index_select(0, index);
    torch::Tensor target = run.train.targets.index_select(0, index);
    Augment(run.options, count, input, target);
    double loss_value = 0, loss_d_value = 0;
    if (run.pix2pix()) {
      std::tie(loss_value, loss_d_value) = Pix2PixStep(run, input, target);
    } else {
      loss_value = SegNetStep(run, input, target);
    }
    loss_sum += loss_value;
    loss_d_sum += loss_d_value;
    ++batches;
    if (callbacks.on_batch) {
      const double seconds = SecondsSince(start);
      callbacks.on_batch({epoch, run.options.epochs, i + count, n, loss_sum / batches,
                          loss_d_sum / batches, (i + count) / std::max(seconds, 1e-9)});
    }
  }
  return {loss_sum / std::max(1, batches), loss_d_sum / std::max(1, batches)};
}

// The dataset and its splits at the training size (the default one when none is given), with what
// the losses need of them: segnet's class weights, pix2pix's ignore colour.
void LoadData(const TrainOptions& options, Run& run) {
  run.direction = options.direction;
  run.dataset = Dataset::Open(options.data);
  if (!run.options.size)
    run.options.size = DefaultTrainingSize(run.dataset.ImageSizeOf("train"), options);
  const ImageSize size = *run.options.size;
  const bool segnet = options.arch == Architecture::kSegNet;
  run.train =
      models::LoadSplit(run.dataset, "train", run.direction, size, segnet, options.train_images);
  run.val = models::LoadSplit(run.dataset, "val", run.direction, size, segnet, options.val_images);

  if (segnet)
    run.class_weights =
        models::MedianFrequencyWeights(run.train.targets, run.dataset.palette().size())
            .pow(options.class_weight_power);
  if (!segnet && run.dataset.target_is_labels(run.direction) && run.dataset.palette().ignore()) {
    const cv::Vec3b rgb = run.dataset.palette().ignore()->rgb;
    run.ignore_colour = torch::tensor({rgb[0], rgb[1], rgb[2]}, torch::kFloat)
                            .div(127.5)
                            .sub(1.0)
                            .view({1, 3, 1, 1});
  }
}

// The networks and their optimizers, seeded, then initialised from a model file or resumed from
// the checkpoint.
void MakeModels(const TrainOptions& options, Run& run) {
  torch::manual_seed(options.seed);
  run.generator = MakeNetwork(MakeConfig(run.options, run.dataset));
  const auto adam = torch::optim::AdamOptions(options.learning_rate).betas({0.5, 0.999});
  run.optimizer = std::make_unique<torch::optim::Adam>(run.generator->parameters(), adam);
  if (run.pix2pix()) {
    run.discriminator = std::make_shared<models::PatchGan>(6, options.ngf);
    run.optimizer_d = std::make_unique<torch::optim::Adam>(run.discriminator->parameters(), adam);
  }
  if (!options.init.empty() && !options.resume) InitialiseFrom(options.init, *run.generator);
  if (options.resume) LoadCheckpoint(run);
  run.generator->train();
  if (run.discriminator) run.discriminator->train();
}

// Trains epoch `epoch` and validates it; returns its report, not yet recorded in `run`.
EpochReport TrainAndValidate(const TrainOptions& options, Run& run, const TrainCallbacks& callbacks,
                             int epoch) {
  // Seeded per epoch, so a run resumed from a checkpoint draws what an uninterrupted one would.
  torch::manual_seed(options.seed * 1000003ULL + epoch);
  const double rate = EpochLearningRate(options, epoch);
  SetLearningRate(*run.optimizer, rate);
  if (run.optimizer_d) SetLearningRate(*run.optimizer_d, rate);
  const auto start = Clock::now();
  const auto [loss, loss_d] = TrainEpoch(run, callbacks, epoch);
  // A diverged run keeps the model of its last good epoch, and says so.
  COMPNN_CHECK(std::isfinite(loss) && std::isfinite(loss_d), "training diverged in epoch ", epoch,
               ": the loss is ", loss, " (discriminator ", loss_d, "); lower the learning rate (",
               options.learning_rate, ")",
               run.reports.empty() ? "" : "; the model file keeps the best earlier epoch");
  EpochReport report;
  report.epoch = epoch;
  report.seconds = SecondsSince(start);
  report.images_per_second = run.train.inputs.size(0) / std::max(report.seconds, 1e-9);
  report.loss = loss;
  report.loss_d = loss_d;
  report.validation = Validate(run);
  // For label targets the model file keeps the best epoch by validation mean IoU (GAN training
  // wanders); for photo targets it follows the last epoch, since L1 does not measure how real a
  // generated photo looks and is lowest for the early, blurry ones.
  report.best = !report.validation.contains("mean_iou") ||
                std::none_of(run.reports.begin(), run.reports.end(),
                             [&](const EpochReport& r) { return r.Score() >= report.Score(); });
  return report;
}

}  // namespace

nlohmann::json EpochReport::ToJson() const {
  return {{"epoch", epoch}, {"seconds", seconds}, {"images_per_second", images_per_second},
          {"loss", loss},   {"loss_d", loss_d},   {"validation", validation},
          {"best", best}};
}

ImageSize DefaultTrainingSize(const ImageSize& images, const TrainOptions& o) {
  constexpr int kShorter = 128;
  if (images.square()) return {kShorter, kShorter};
  const double ratio = static_cast<double>(std::max(images.height, images.width)) /
                       std::min(images.height, images.width);
  const int step = o.arch == Architecture::kSegNet ? 1 << o.widths.size() : kShorter;
  const int longer = std::max(step, static_cast<int>(std::lround(kShorter * ratio / step)) * step);
  return images.height < images.width ? ImageSize{kShorter, longer} : ImageSize{longer, kShorter};
}

void TrainOptions::Check() const {
  COMPNN_CHECK_OPTION(arch == Architecture::kPix2Pix || arch == Architecture::kSegNet, "arch",
                      "must be pix2pix or segnet, got ", ToString(arch));
  COMPNN_CHECK_OPTION(!data.empty(), "data", "is empty: name a dataset folder");
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the model file to write");
  CheckImageSize(size, "size");
  COMPNN_CHECK_OPTION(epochs >= 1, "epochs", "must be positive, got ", epochs);
  COMPNN_CHECK_OPTION(batch >= 1, "batch", "must be positive, got ", batch);
  COMPNN_CHECK_OPTION(decay_epochs >= 0 && decay_epochs <= epochs, "decay_epochs",
                      "must be in [0, epochs = ", epochs, "], got ", decay_epochs);
  COMPNN_CHECK_OPTION(min_crop > 0.0 && min_crop <= 1.0, "min_crop", "must be in (0, 1], got ",
                      min_crop);
  COMPNN_CHECK_OPTION(std::isfinite(learning_rate) && learning_rate >= 0.0, "learning_rate",
                      "must be a finite number >= 0, got ", learning_rate);
  COMPNN_CHECK_OPTION(class_weight_power >= 0.0 && class_weight_power <= 4.0, "class_weight_power",
                      "must be in [0, 4], got ", class_weight_power);
  // PatchGAN halves the image three times, then convolves with 4 x 4 kernels.
  COMPNN_CHECK_OPTION(
      arch != Architecture::kPix2Pix || !size || std::min(size->height, size->width) >= 32, "size",
      "must be at least 32 x 32 for pix2pix (its discriminator halves "
      "the image three times), got ",
      size ? size->ToString() : "");
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
  COMPNN_CHECK_OPTION(train_images >= 0, "train_images", "must not be negative, got ",
                      train_images);
  COMPNN_CHECK_OPTION(val_images >= 0, "val_images", "must not be negative, got ", val_images);
  // The architecture's counts, bounded as a model file's are (the size and the classes come later).
  NetworkConfig architecture;
  architecture.arch = arch;
  architecture.ngf = ngf;
  architecture.max_mult = max_mult;
  architecture.widths = widths;
  architecture.Check();
}

double EpochReport::Score() const {
  return validation.contains("mean_iou") ? validation["mean_iou"].get<double>()
                                         : -validation.value("l1", 1e9);
}

std::vector<EpochReport> Train(const TrainOptions& options, const TrainCallbacks& callbacks) {
  options.Check();
  const WriterLock lock(options.out);  // one training run per model file
  UseAllCores(options.threads);
  Run run;
  run.options = options;
  LoadData(options, run);
  MakeModels(options, run);

  while (run.epoch < options.epochs) {
    const int epoch = run.epoch + 1;
    const EpochReport report = TrainAndValidate(options, run, callbacks, epoch);
    run.reports.push_back(report);
    run.epoch = epoch;
    // The model first, then the checkpoint: a crash between them resumes from the older epoch.
    if (report.best) SaveNetwork(*run.generator, options.out);
    SaveCheckpoint(run);
    WriteLog(run);
    if (callbacks.on_epoch) callbacks.on_epoch(report);
  }
  return run.reports;
}

}  // namespace compnn
