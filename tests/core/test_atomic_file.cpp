#include <gtest/gtest.h>

#include <fstream>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "test_util.hpp"

using namespace edgeq;

TEST(AtomicFile, WritesAndRenames) {
  test::TempDir dir;
  core::write_file_atomic(dir / "a.txt", std::string("hello"));
  std::ifstream in(dir / "a.txt");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "hello");
  EXPECT_EQ(test::count_files(dir.path()), 1u);
}

TEST(AtomicFile, UncommittedTempIsRemoved) {
  test::TempDir dir;
  {
    core::AtomicFile f(dir / "b.bin");
    std::ofstream(f.temp_path()) << "partial";
    EXPECT_TRUE(std::filesystem::exists(f.temp_path()));
  }
  EXPECT_EQ(test::count_files(dir.path()), 0u);
}

TEST(CheckOutputPath, Rules) {
  test::TempDir dir;
  std::ofstream(dir / "exists.h5") << "x";
  EXPECT_THROW(core::check_output_path(dir / "exists.h5", false), Error);
  EXPECT_NO_THROW(core::check_output_path(dir / "exists.h5", true));
  EXPECT_NO_THROW(core::check_output_path(dir / "new.h5", false));
  EXPECT_THROW(core::check_output_path(dir / "missing-dir" / "x.h5", false), Error);
  EXPECT_THROW(core::check_output_path(dir.path(), true), Error);
  try {
    core::check_output_path(dir / "exists.h5", false);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos);
  }
}
