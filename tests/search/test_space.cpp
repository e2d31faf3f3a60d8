// Search spaces (search/space.hpp): slots found in a model, configurations that `edgeq train --qat` loads,
// and clear errors for bad spaces.
#include <gtest/gtest.h>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/search/space.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "jet_mlp_fixture.hpp"

namespace edgeq::search {
namespace {

using test::jet_mlp;

const char* kSpace = R"(
weight:
  - quantized_bits(8,0,alpha='auto')
  - quantized_bits(4,0,alpha='auto')
  - binary(alpha='auto')
result:
  - quantized_relu(3,2)
  - quantized_relu(6,3)
input:
  - ap_fixed<16,6>
layers:
  output:
    weight:
      - ap_fixed<8,3>
    result: []
)";

TEST(SearchSpace, SlotsOfTheJetMlpOrderedByBitWidth) {
  const auto g = jet_mlp();
  const auto s = parse_search_space(kSpace, "space.yaml", g);
  // input, fc1/fc2/fc3/output weights, relu1..3 results
  ASSERT_EQ(s.slots.size(), 8u);
  EXPECT_EQ(s.slots[0].layer, "fc1_input");
  EXPECT_EQ(s.slots[1].layer, "fc1");
  EXPECT_EQ(s.slots[1].bits, (std::vector<int>{1, 4, 8}));
  EXPECT_EQ(s.slots[1].choices[0], "binary(alpha='auto')");
  EXPECT_EQ(s.slots[7].layer, "output");
  EXPECT_EQ(s.slots[7].choices, (std::vector<std::string>{"ap_fixed<8,3>"}));
  EXPECT_EQ(s.size(), 1 * 3 * 2 * 3 * 2 * 3 * 2 * 1);

  // a candidate becomes an hls4ml LayerName configuration the QAT graph builder accepts
  std::vector<int> c = s.lowest();
  c[2] = -1;  // relu1 left float
  const auto yaml = s.to_config_yaml(c);
  graph::Graph q = g;
  const auto n = quant::insert_fake_quant(q, quant::LayerQuantConfig::parse(yaml, "candidate"));
  EXPECT_EQ(n.weights, 4);
  EXPECT_EQ(n.results, 1 + 2);  // input, relu2, relu3
  EXPECT_EQ(s.describe(c).substr(0, 31), "fc1_input.r=16 fc1.w=1 relu1.r=");
}

TEST(SearchSpace, BlocksAssignEveryLayerToTheFirstMatchingRegex) {
  const auto s = parse_search_space(std::string(kSpace) + "blocks: [\"fc1.*|relu1\", \".*\"]\n", "space.yaml",
                                    jet_mlp());
  for (const auto& slot : s.slots)
    EXPECT_EQ(slot.block, slot.layer.rfind("fc1", 0) == 0 || slot.layer == "relu1" ? 0 : 1) << slot.layer;
}

void expect_bad(const std::string& yaml, const std::string& fragment) {
  try {
    parse_search_space(yaml, "space.yaml", jet_mlp());
    ADD_FAILURE() << "accepted:\n" << yaml;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SearchSpace, BadSpacesAreRefusedWithTheReason) {
  expect_bad("", "the search space is empty");
  expect_bad("weight: []\nresult: []\n", "the search space is empty");
  expect_bad("weight:\n  - quantized_foo(4)\n", "quantized_foo");
  expect_bad("weight:\n  - quantized_bits(0,0)\n", "quantized_bits(0,0)");
  expect_bad("weight:\n  - quantized_bits(24,0)\n", "searchable quantisers have 1..16");
  expect_bad("weight:\n  - quantized_po2(4)\n", "no QONNX Quant form");
  expect_bad("weight:\n  - quantized_bits(4,0)\n  - quantized_bits(4,0)\n", "twice");
  expect_bad("weight: quantized_bits(4,0)\n", "must be a list");
  expect_bad("weights:\n  - quantized_bits(4,0)\n", "weights");
  expect_bad("weight:\n  - quantized_bits(4,0)\nlayers:\n  fc9:\n    weight: []\n", "layers.fc9");
  expect_bad("weight:\n  - quantized_bits(4,0)\nlayers:\n  fc1:\n    kernel: []\n", "kernel");
  expect_bad("weight:\n  - quantized_bits(4,0)\nblocks: [\"conv.*\"]\n", "matches no searchable layer");
  expect_bad("weight:\n  - quantized_bits(4,0)\nblocks: [\"fc1\"]\n", "is in no block");
  expect_bad("weight:\n  - quantized_bits(4,0)\nblocks: [\"fc(\"]\n", "not a regular expression");
  graph::Graph q = jet_mlp();
  quant::insert_fake_quant(q, quant::LayerQuantConfig::parse("Model:\n  Precision: ap_fixed<8,3>\n"));
  EXPECT_THROW(parse_search_space("weight:\n  - quantized_bits(4,0)\n", "s", q), Error);
}

}  // namespace
}  // namespace edgeq::search
