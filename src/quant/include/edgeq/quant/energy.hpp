// Energy, bit and BOP estimates of a (quantised) model: the QTools model of QKeras (Coelho et al., arXiv:
// 2006.10159; ../shared/reference/quantisation-and-hardware.md, "AutoQKeras objective and QTools energy
// model"), with the constants in a replaceable profile (configs/energy/*.yaml; default: Horowitz, ISSCC 2014,
// 45 nm). Like QTools, the estimate compares quantisations of one architecture; it is not a watt figure.
//
// Per layer (one inference, batch 1), in pJ:
//   inputs      reading each input activation: memory_read(bits = elements x input bits)
//   parameters  reading weights and biases (BatchNorm: scale, bias, mean, variance) from parameter memory
//   op          MACs x (gate_factor x multiplier(gate_bits) + adder(accumulator bits)); elementwise Add/Sub:
//               (inputs - 1) x elements x adder(bits)
//   outputs     writing the output activation: memory_write(elements x output bits)
// Multiplier (QTools' multiplier factory): fixed x fixed: mul(sqrt(b_x b_w)), product b_x + b_w bits;
// binary x fixed: 0.3 x add(b_other) (mux); ternary x fixed: 0.6 x add(b_other); binary x binary: 0.3 x
// add(1) (xor); any float: the float multiplier of the widest float. Accumulator: product bits +
// ceil(log2(fan-in + bias)) (fixed), or the float type.
// Memory (mode fixed | sram | dram): sram = ceil(bits / 64) x sram_rd(log2(max(bits, min_sram_bits))); dram =
// dram_per_bit x bits (+ the SRAM copy when rd_wr_on_io); fixed = 0. Layers reading a graph input use DRAM
// when rd_wr_on_io (else SRAM), as do layers writing a graph output.
// Which parts a layer's total counts follows QTools' include_energy: compute and pooling layers inputs +
// parameters + op; activations (Relu, Softmax, ... with their result quantiser) outputs; BatchNormalization
// parameters; Add/Sub op; MaxPool op (0). Layout-only ops and quantisation nodes are not layers.
//
// Bits: parameter bits = sum of weights x bits + biases x bits; activation bits = graph inputs + the outputs
// of every layer (as deployed) x bits. BOPs (Baskin et al., arXiv:1804.10969, as used by the hls4ml/QKeras
// study): per MAC layer MACs x (b_x b_w + b_x + b_w + log2(fan-in)).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/number_types.hpp"

namespace edgeq::quant {

enum class MemoryMode { Fixed, Sram, Dram };

struct EnergyProfile {
  std::string name = "horowitz45";
  std::string description, sources;
  /// Polynomials in the bit count (highest power first), pJ.
  std::vector<double> fixed_add{0.003125, 0}, fixed_mul{0.002994791667, 0.001041666667, 0};
  double fp16_add = 0.4, fp16_mul = 1.1, fp32_add = 0.9, fp32_mul = 3.7;
  /// SRAM access of one word, polynomial in log2(max(bits, min_sram_bits)), pJ.
  std::vector<double> sram_rd{9.02427321e-04, -2.68847858e-02, 2.08900804e-01, 0.0};
  double sram_word_bits = 64;
  double dram_per_bit = 20.3125;
  MemoryMode parameters = MemoryMode::Fixed, activations = MemoryMode::Dram;
  double min_sram_bits = 0;
  bool rd_wr_on_io = true;
  NumberType source = NumberType::fixed(8);  ///< type of a float graph input (QTools' source quantiser)

  double add_pj(const NumberType& t) const;
  double mul_pj(const NumberType& t) const;  ///< float types only
  double fixed_mul_pj(double gate_bits) const;
  double memory_pj(double bits, MemoryMode mode, bool io, bool write) const;
};

/// Parses a profile (YAML, keys as in configs/energy/horowitz45.yaml); Error(BadInput) naming the key.
EnergyProfile parse_energy_profile(const std::string& yaml_text, const std::string& origin);
/// A built-in profile name (horowitz45, horowitz45-sram) or a FILE.yaml.
EnergyProfile find_energy_profile(const std::string& name_or_path);
std::vector<std::string> builtin_energy_profiles();

struct LayerEnergy {
  std::string name, op;
  std::string kind;  ///< mac, eltwise, activation, pool, batchnorm, other
  NumberType input, weight, bias, output, accumulator;
  std::int64_t macs = 0, input_elements = 0, output_elements = 0, weight_count = 0, bias_count = 0;
  double inputs_pj = 0, parameters_pj = 0, op_pj = 0, outputs_pj = 0;
  double counted_pj = 0;  ///< the parts QTools' include_energy counts for this kind
  double parameter_bits = 0, activation_bits = 0, bops = 0;
};

struct EnergyReport {
  std::string model, profile;
  std::vector<LayerEnergy> layers;
  double total_pj = 0;  ///< sum of counted_pj
  double inputs_pj = 0, parameters_pj = 0, op_pj = 0, outputs_pj = 0;
  double parameter_bits = 0, activation_bits = 0, bops = 0;
  std::int64_t macs = 0;

  double total_bits() const { return parameter_bits + activation_bits; }
  nlohmann::ordered_json to_json() const;
  /// Aligned per-layer table with a total row.
  std::string to_table() const;
};

/// Estimates g (any float, QDQ, QONNX or ApFixed model; batch 1). Throws Error(BadInput) for a model whose
/// shapes cannot be inferred at batch 1 or a Quant node with a non-constant bit width.
EnergyReport estimate_energy(const graph::Graph& g, const EnergyProfile& profile);

}  // namespace edgeq::quant
