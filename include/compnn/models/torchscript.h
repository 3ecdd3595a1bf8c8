// Models users bring as TorchScript files (torch.jit.script or torch.jit.trace in Python), with
// their activations captured by submodule name and no edit to the model.
//
// How capture works: the forward graph is copied and its submodule calls are inlined one by one,
// recording for each call the submodule's path ("down_path.0.body", found by following the
// attribute accesses from `self`), the tensors it was called with and the values it returned.
// The wanted values are then added as extra outputs of the copied graph, which is run on the
// model's own weights. "NAME" captures what submodule NAME returns; "NAME:input" the tensor it
// was called with.
// What it cannot capture (and says so): a submodule that returns several values or a tuple, one
// called with several tensors (for NAME:input), one called more than once or inside a loop or a
// branch that scripting kept (its value is not one tensor of the graph), and functional code that
// is not a submodule.
#pragma once

#include <torch/script.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compnn/models/network.h"

namespace compnn {

class ScriptModel {
 public:
  // Throws std::runtime_error naming the file when it is missing or not TorchScript.
  explicit ScriptModel(const std::string& path);
  ~ScriptModel();

  const std::string& path() const { return path_; }
  // Every submodule call of forward, in call order: the names --layers takes.
  std::vector<std::string> SubmoduleNames() const;
  // Why `name` (or NAME:input) cannot be captured, or "" when it can.
  std::string WhyNotCapturable(const std::string& name) const;

  // Output shapes and strides of every capturable submodule for a 1 x 3 x size x size input
  // (one forward pass). Submodules whose output is not a 4-D tensor are left out.
  std::vector<LayerInfo> ListLayers(const ImageSize& size);

  // The tensor Forward returns when forward returns a dict (`key`) or a tuple (an index); "" when
  // it returns a tensor.
  void SelectOutput(std::string key) { output_ = std::move(key); }

  // Runs the model on x (N x 3 x H x W), capturing the wanted names (throws std::runtime_error for
  // an unknown or uncapturable name, listing the names there are). Returns the model's output.
  torch::Tensor Forward(const torch::Tensor& x, Capture* capture = nullptr);

 private:
  struct Call;
  struct Plan;
  Plan& PlanFor(const std::vector<std::string>& names);
  // Inlines forward's submodule calls, outermost first, recording each module's call.
  void InlineSubmoduleCalls();
  // Marks the calls left inside loop or branch blocks, which cannot be captured.
  void MarkNestedCalls();

  // One pass capturing the wanted names; returns what forward returned.
  c10::IValue Run(const torch::Tensor& x, Capture& capture);
  torch::Tensor OutputTensor(const c10::IValue& value) const;

  std::string path_;
  std::string output_;
  torch::jit::Module module_;
  std::shared_ptr<torch::jit::Graph> graph_;  // forward, with every submodule call inlined
  std::vector<std::string> order_;            // submodule paths in call order
  std::map<std::string, std::unique_ptr<Call>> calls_;
  std::map<std::string, std::unique_ptr<Plan>> plans_;  // by the joined wanted names
};

// Whether `path` names a TorchScript file (.pt, .pth, .ptl, .torchscript) rather than a compnn
// model.
bool IsTorchScriptPath(const std::string& path);

}  // namespace compnn
