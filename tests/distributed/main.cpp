// The distributed tests' main: MPI first, then GoogleTest on every rank. Rank 0 prints the
// usual report; the others print only their failures, prefixed by their rank. mpirun's exit
// code is non-zero when any rank fails.
#include <iostream>

#include "helpers.hpp"

namespace {
class FailurePrinter : public ::testing::EmptyTestEventListener {
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (r.failed())
      std::cerr << "[rank " << xd::rank() << "] " << (r.file_name() ? r.file_name() : "") << ":" << r.line_number()
                << ": " << r.summary() << std::endl;
  }
};
}  // namespace

int main(int argc, char** argv) {
  xd::init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (xd::rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter);
  }
  return RUN_ALL_TESTS();
}
