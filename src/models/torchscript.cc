#include "compnn/models/torchscript.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <filesystem>
#include <set>

#include "compnn/core/check.h"
#include "compnn/core/strings.h"
#include "compnn/models/zip_check.h"

namespace compnn {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// The dotted attribute path from the graph's `self` to a module value, or "" when the value is
// not reached from `self` by attribute accesses alone.
std::string ModulePath(const Value* module, const Value* self) {
  std::vector<std::string> parts;
  while (module != self) {
    const Node* node = module->node();
    if (node->kind() != c10::prim::GetAttr) return "";
    parts.push_back(node->s(c10::attr::name));
    module = node->input(0);
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) path += (path.empty() ? "" : ".") + *it;
  return path;
}

bool IsTensor(const Value* v) { return v->type()->isSubtypeOf(*c10::TensorType::get()); }

std::string SplitInput(const std::string& name, bool* input) {
  const auto colon = name.rfind(":input");
  *input = colon != std::string::npos && colon + 6 == name.size();
  return *input ? name.substr(0, colon) : name;
}

}  // namespace

// One submodule call: the tensors it was called with and what it returned, as values of graph_.
struct ScriptModel::Call {
  std::vector<Value*> inputs, outputs;
  int times = 0;        // calls of this submodule's forward
  bool nested = false;  // made inside a loop or branch block
};

// A copy of graph_ with the wanted values as extra outputs, and its executor.
struct ScriptModel::Plan {
  std::shared_ptr<torch::jit::Graph> graph;
  std::unique_ptr<torch::jit::GraphExecutor> executor;
  std::vector<std::string> names;
};

ScriptModel::ScriptModel(const std::string& path) : path_(path) {
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(path + ": no such TorchScript file");
  try {
    CheckZipFile(path);
    module_ = torch::jit::load(path);
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (why.rfind(path + ": ", 0) == 0) why = why.substr(path.size() + 2);  // CheckZipFile's
    throw std::runtime_error(
        path + ": not a TorchScript model torch.jit.load can read (" +
        why.substr(0, why.find('\n')) +
        "); a file from torch.save (a state_dict or a pickled model) is not TorchScript: export "
        "the model with torch.jit.script(model).save(\"model.pt\") or torch.jit.trace");
  }
  module_.eval();
  const auto method = module_.find_method("forward");
  COMPNN_CHECK(method, path, ": the TorchScript model has no forward method");
  graph_ = method->graph()->copy();
  InlineSubmoduleCalls();
  MarkNestedCalls();
  torch::jit::Inline(*graph_);  // what is left: free functions, calls inside blocks
}

void ScriptModel::InlineSubmoduleCalls() {
  const Value* self = graph_->inputs()[0];
  // One call at a time, so every call is seen with the path of the module it calls; values
  // recorded earlier that an inlined call replaces are followed.
  for (bool again = true; again;) {
    again = false;
    for (Node* node : graph_->block()->nodes()) {
      const bool method = node->kind() == c10::prim::CallMethod;
      if (!method && node->kind() != c10::prim::CallFunction) continue;
      const std::string method_name = method ? node->s(c10::attr::name) : "";
      const std::string module_path = method ? ModulePath(node->input(0), self) : "";
      torch::jit::Function& callee =
          method ? node->input(0)->type()->expect<c10::ClassType>()->getMethod(method_name)
                 : *node->input(0)->type()->expect<c10::FunctionType>()->function();
      const std::vector<Value*> old_outputs(node->outputs().begin(), node->outputs().end());
      const std::vector<Value*> arguments(node->inputs().begin() + 1, node->inputs().end());
      if (!method) node->removeInput(0);  // the function constant: a call takes the arguments
      const std::vector<Value*> new_outputs =
          torch::jit::inlineCallTo(node, &torch::jit::toGraphFunction(callee), false);
      for (auto& [name, call] : calls_) {
        for (std::vector<Value*>* list : {&call->inputs, &call->outputs}) {
          for (Value*& v : *list) {
            for (std::size_t i = 0; i < old_outputs.size(); ++i) {
              if (v == old_outputs[i]) v = new_outputs[i];
            }
          }
        }
      }
      if (method_name == "forward" && !module_path.empty()) {
        auto& call = calls_[module_path];
        if (!call) {
          call = std::make_unique<Call>();
          call->inputs = arguments;
          call->outputs = new_outputs;
          order_.push_back(module_path);
        }
        ++call->times;
      }
      again = true;
      break;  // the node list changed
    }
  }
}

void ScriptModel::MarkNestedCalls() {
  const Value* self = graph_->inputs()[0];
  for (Node* node : graph_->nodes()) {
    for (torch::jit::Block* block : node->blocks()) {
      for (Node* inner : block->nodes()) {
        if (inner->kind() != c10::prim::CallMethod) continue;
        const std::string module_path = ModulePath(inner->input(0), self);
        if (module_path.empty()) continue;
        auto& call = calls_[module_path];
        if (!call) {
          call = std::make_unique<Call>();
          order_.push_back(module_path);
        }
        call->nested = true;
      }
    }
  }
}

ScriptModel::~ScriptModel() = default;

std::vector<std::string> ScriptModel::SubmoduleNames() const { return order_; }

std::string ScriptModel::WhyNotCapturable(const std::string& name) const {
  if (name == "output") return "";
  bool input = false;
  const std::string module = SplitInput(name, &input);
  const auto it = calls_.find(module);
  if (it == calls_.end()) return "the model calls no submodule named '" + module + "'";
  const Call& call = *it->second;
  if (call.nested) return module + " is called inside a loop or a branch";
  if (call.times > 1) return module + " is called " + std::to_string(call.times) + " times";
  const std::vector<Value*>& values = input ? call.inputs : call.outputs;
  int tensors = 0;
  for (const Value* v : values) tensors += IsTensor(v);
  if (values.size() != 1 || tensors != 1) {
    return module + (input ? " is called with " : " returns ") + std::to_string(values.size()) +
           " values, not one tensor";
  }
  return "";
}

ScriptModel::Plan& ScriptModel::PlanFor(const std::vector<std::string>& names) {
  std::string key;
  for (const std::string& n : names) key += n + "\n";
  auto& plan = plans_[key];
  if (plan) return *plan;
  for (const std::string& name : names) {
    const std::string why = WhyNotCapturable(name);
    if (!why.empty()) {
      std::vector<std::string> have;
      for (const std::string& n : order_) {
        if (WhyNotCapturable(n).empty()) have.push_back(n);
      }
      throw std::runtime_error(path_ + ": cannot capture '" + name + "': " + why +
                               " (capturable: " + Join(have) + "; add :input for what enters one)");
    }
  }
  auto made = std::make_unique<Plan>();
  made->graph = graph_->copy();
  // The copy numbers its values as graph_ does: map the recorded values by their position.
  std::map<const Value*, Value*> copied;
  {
    auto a = graph_->inputs(), b = made->graph->inputs();
    for (std::size_t i = 0; i < a.size(); ++i) copied[a[i]] = b[i];
    auto na = graph_->nodes().begin(), nb = made->graph->nodes().begin();
    for (; na != graph_->nodes().end(); ++na, ++nb) {
      for (std::size_t i = 0; i < na->outputs().size(); ++i)
        copied[na->outputs()[i]] = nb->outputs()[i];
    }
  }
  for (const std::string& name : names) {
    if (name == "output") continue;
    bool input = false;
    const Call& call = *calls_.at(SplitInput(name, &input));
    made->graph->registerOutput(copied.at(input ? call.inputs[0] : call.outputs[0]));
  }
  made->names = names;
  made->executor = std::make_unique<torch::jit::GraphExecutor>(made->graph, "compnn_capture");
  plan = std::move(made);
  return *plan;
}

namespace {

std::string ShapeText(const torch::Tensor& x) {
  std::vector<std::string> sizes;
  for (const std::int64_t size : x.sizes()) sizes.push_back(std::to_string(size));
  return Join(sizes, " x ");
}

// The TorchScript interpreter's error is its own traceback; the last line that names an error
// ("RuntimeError: expected input[1, 3, 64, 64] to have 1 channels ...") says what went wrong.
std::string InterpreterError(const std::string& text) {
  std::string found = text.substr(0, text.find('\n'));
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    if (line.find("Error: ") != std::string::npos) found = line;
    start = end + 1;
  }
  return found;
}

}  // namespace

torch::Tensor ScriptModel::Forward(const torch::Tensor& x, Capture* capture) {
  Capture none;
  const torch::Tensor out = OutputTensor(Run(x, capture ? *capture : none));
  if (capture && capture->wants("output")) capture->values["output"] = out;
  return out;
}

c10::IValue ScriptModel::Run(const torch::Tensor& x, Capture& capture) {
  std::vector<std::string> names;
  for (const std::string& name : capture.wanted) {
    if (name != "output") names.push_back(name);  // the model's own output, always there
  }
  Plan& plan = PlanFor(names);
  torch::jit::Stack stack = {module_._ivalue(), x};
  try {
    plan.executor->run(stack);
  } catch (const std::exception& e) {
    throw std::runtime_error(path_ + ": the model's forward failed on a " + ShapeText(x) +
                             " input: " + InterpreterError(e.what()));
  }
  if (stack.size() != names.size() + 1)
    throw std::runtime_error(path_ + ": the model returned more than one value");
  for (std::size_t i = 0; i < names.size(); ++i) capture.values[names[i]] = stack[i + 1].toTensor();
  return stack[0];
}

torch::Tensor ScriptModel::OutputTensor(const c10::IValue& value) const {
  if (value.isGenericDict()) {
    std::vector<std::string> keys;
    for (const auto& entry : value.toGenericDict()) {
      const std::string key = entry.key().isString() ? entry.key().toStringRef() : "";
      if (key == output_ && entry.value().isTensor()) return entry.value().toTensor();
      keys.push_back("'" + key + "'");
    }
    throw OptionError("output",
                      Concat(output_.empty() ? "is not set" : "'" + output_ + "' is not a key",
                             ", and ", path_, "'s forward returns a dict with the keys ",
                             Join(keys, ", "), ": name the one to explain"));
  }
  if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    int index = -1;
    try {
      index = output_.empty() ? -1 : std::stoi(output_);
    } catch (const std::exception&) {
    }
    if (index >= 0 && index < static_cast<int>(elements.size()) && elements[index].isTensor())
      return elements[index].toTensor();
    throw OptionError("output",
                      Concat(output_.empty() ? "is not set" : "'" + output_ + "' is not an index",
                             ", and ", path_, "'s forward returns a tuple of ", elements.size(),
                             ": name the index of the tensor to explain"));
  }
  COMPNN_CHECK(value.isTensor(), path_,
               ": the model's output is neither a tensor, a dict nor a tuple");
  COMPNN_CHECK_OPTION(output_.empty(), "output", "is '", output_, "', but ", path_,
                      "'s forward returns a single tensor: leave it unset");
  return value.toTensor();
}

std::vector<LayerInfo> ScriptModel::ListLayers(const ImageSize& size) {
  Capture capture;
  for (const std::string& name : order_) {
    if (WhyNotCapturable(name).empty()) capture.wanted.insert(name);
  }
  torch::NoGradGuard no_grad;
  // Listing needs no output key: without one, a dict's or tuple's entries are not listed.
  const c10::IValue out = Run(torch::zeros({1, 3, size.height, size.width}), capture);
  std::vector<LayerInfo> layers;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    if (t.dim() != 4) return;
    LayerInfo info;
    info.name = name;
    info.channels = static_cast<int>(t.size(1));
    info.height = static_cast<int>(t.size(2));
    info.width = static_cast<int>(t.size(3));
    info.stride = info.height > 0 ? std::max(1, size.height / info.height) : 1;
    layers.push_back(info);
  };
  for (const std::string& name : order_) {
    const auto it = capture.values.find(name);
    if (it != capture.values.end()) add(name, it->second);
  }
  if (out.isTensor()) {
    add("output", out.toTensor());
  } else {
    try {
      add("output", OutputTensor(out));
    } catch (const OptionError&) {
    }
  }
  return layers;
}

bool IsTorchScriptPath(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".pt" || ext == ".pth" || ext == ".ptl" || ext == ".torchscript";
}

}  // namespace compnn
