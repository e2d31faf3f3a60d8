#include "edgeq/cli/commands.hpp"

int main(int argc, char** argv) {
  return edgeq::cli::run_cli(argc, argv);
}
