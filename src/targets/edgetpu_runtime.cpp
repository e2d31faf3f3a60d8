#include "edgeq/targets/edgetpu_runtime.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::targets {

namespace {
// Signatures of tensorflow/lite/c/c_api.h and Coral's edgetpu_c.h (opaque pointers as void*).
struct EdgeTpuDevice {
  int type;  // 0 = PCIe, 1 = USB
  const char* path;
};
using ListDevices = EdgeTpuDevice* (*)(std::size_t*);
using FreeDevices = void (*)(EdgeTpuDevice*);
using CreateDelegate = void* (*)(int, const char*, const void*, std::size_t);

void* open_library(const char* name) {
  return dlopen(name, RTLD_NOW | RTLD_LOCAL);
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p = path;
  for (std::size_t start = 0; start <= p.size();) {
    const std::size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / program)) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}
}  // namespace

struct EdgeTpuRunner::Api {
  void *edgetpu = nullptr, *tflite = nullptr;
  template <typename F>
  F sym(void* lib, const char* name) {
    void* f = dlsym(lib, name);
    if (!f) throw_input("Edge TPU runtime: symbol {} missing", name);
    return reinterpret_cast<F>(f);
  }
  ~Api() {
    if (tflite) dlclose(tflite);
    if (edgetpu) dlclose(edgetpu);
  }
};

std::string edgetpu_runtime_unavailable() {
  void* edgetpu = open_library("libedgetpu.so.1");
  if (!edgetpu) return "libedgetpu.so.1 not loadable (Coral's Edge TPU runtime is not installed)";
  void* tflite = open_library("libtensorflowlite_c.so");
  std::string why;
  if (!tflite) {
    why = "libtensorflowlite_c.so not loadable (the LiteRT / TFLite C library is not installed)";
  } else {
    auto list = reinterpret_cast<ListDevices>(dlsym(edgetpu, "edgetpu_list_devices"));
    auto free_devices = reinterpret_cast<FreeDevices>(dlsym(edgetpu, "edgetpu_free_devices"));
    std::size_t n = 0;
    EdgeTpuDevice* devices = list ? list(&n) : nullptr;
    if (devices && free_devices) free_devices(devices);
    if (n == 0)
      why = "no Edge TPU device attached";
    else if (!on_path("edgetpu_compiler"))
      why = "edgetpu_compiler not on PATH (needed to compile the export)";
    dlclose(tflite);
  }
  dlclose(edgetpu);
  return why;
}

std::unique_ptr<EdgeTpuRunner> EdgeTpuRunner::open(const std::vector<std::uint8_t>& tflite) {
  if (const auto why = edgetpu_runtime_unavailable(); !why.empty()) throw_input("Edge TPU: {}", why);
  std::unique_ptr<EdgeTpuRunner> r(new EdgeTpuRunner());
  r->api_ = std::make_unique<Api>();
  auto& api = *r->api_;
  api.edgetpu = open_library("libedgetpu.so.1");
  api.tflite = open_library("libtensorflowlite_c.so");
  // Compile with edgetpu_compiler in a temporary folder.
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("edgeq-edgetpu-{}", ::getpid());
  std::filesystem::create_directories(dir);
  core::write_file_atomic(dir / "model.tflite", std::span<const unsigned char>(tflite.data(), tflite.size()));
  const std::string cmd = fmt::format("edgetpu_compiler -s -o '{}' '{}' > '{}' 2>&1", dir.string(),
                                      (dir / "model.tflite").string(), (dir / "compiler.log").string());
  const int rc = std::system(cmd.c_str());
  std::ifstream compiled(dir / "model_edgetpu.tflite", std::ios::binary);
  if (rc != 0 || !compiled) {
    std::ifstream log(dir / "compiler.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::filesystem::remove_all(dir);
    throw_input("edgetpu_compiler failed (exit {}): {}", rc, text);
  }
  r->compiled_.assign(std::istreambuf_iterator<char>(compiled), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  auto model_create = api.sym<void* (*)(const void*, std::size_t)>(api.tflite, "TfLiteModelCreate");
  auto options_create = api.sym<void* (*)()>(api.tflite, "TfLiteInterpreterOptionsCreate");
  auto add_delegate = api.sym<void (*)(void*, void*)>(api.tflite, "TfLiteInterpreterOptionsAddDelegate");
  auto interpreter_create =
      api.sym<void* (*)(const void*, const void*)>(api.tflite, "TfLiteInterpreterCreate");
  auto allocate = api.sym<int (*)(void*)>(api.tflite, "TfLiteInterpreterAllocateTensors");
  auto input = api.sym<void* (*)(const void*, std::int32_t)>(api.tflite, "TfLiteInterpreterGetInputTensor");
  auto byte_size = api.sym<std::size_t (*)(const void*)>(api.tflite, "TfLiteTensorByteSize");
  auto copy_in = api.sym<int (*)(void*, const void*, std::size_t)>(api.tflite, "TfLiteTensorCopyFromBuffer");
  auto create_delegate = api.sym<CreateDelegate>(api.edgetpu, "edgetpu_create_delegate");
  auto list = api.sym<ListDevices>(api.edgetpu, "edgetpu_list_devices");
  auto free_devices = api.sym<FreeDevices>(api.edgetpu, "edgetpu_free_devices");
  std::size_t n = 0;
  EdgeTpuDevice* devices = list(&n);
  const int type = n > 0 ? devices[0].type : 1;
  r->device_ = fmt::format("Edge TPU ({}, {})", type == 0 ? "PCIe" : "USB", n > 0 ? devices[0].path : "?");
  if (devices) free_devices(devices);
  r->model_ = model_create(r->compiled_.data(), r->compiled_.size());
  r->options_ = options_create();
  r->delegate_ = create_delegate(type, nullptr, nullptr, 0);
  if (!r->model_ || !r->options_ || !r->delegate_)
    throw_input("Edge TPU runtime: cannot create the model or delegate");
  add_delegate(r->options_, r->delegate_);
  r->interpreter_ = interpreter_create(r->model_, r->options_);
  if (!r->interpreter_ || allocate(r->interpreter_) != 0)
    throw_input("Edge TPU runtime: the interpreter rejected the compiled model");
  r->invoke_ = api.sym<int (*)(void*)>(api.tflite, "TfLiteInterpreterInvoke");
  void* in = input(r->interpreter_, 0);
  std::vector<std::uint8_t> data(byte_size(in), 0);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  if (copy_in(in, data.data(), data.size()) != 0) throw_input("Edge TPU runtime: cannot set the input");
  return r;
}

void EdgeTpuRunner::invoke() {
  if (invoke_(interpreter_) != 0) throw_input("Edge TPU runtime: invoke failed");
}

EdgeTpuRunner::~EdgeTpuRunner() {
  if (!api_ || !api_->tflite || !api_->edgetpu) return;
  auto call = [](void* lib, const char* name, void* object) {
    if (!object) return;
    if (auto* f = reinterpret_cast<void (*)(void*)>(dlsym(lib, name))) f(object);
  };
  call(api_->tflite, "TfLiteInterpreterDelete", interpreter_);
  call(api_->tflite, "TfLiteInterpreterOptionsDelete", options_);
  call(api_->tflite, "TfLiteModelDelete", model_);
  call(api_->edgetpu, "edgetpu_free_delegate", delegate_);
}

}  // namespace edgeq::targets
