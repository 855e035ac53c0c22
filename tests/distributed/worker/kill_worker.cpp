// A data-parallel training that one rank leaves by SIGKILL (kill_rank.sh checks that mpirun
// then ends the whole job quickly, naming the lost rank, instead of leaving the others waiting
// in an allreduce). Usage: distributed_kill_worker STEPS KILL_RANK KILL_STEP
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

namespace xg = xgrad;
namespace xd = xgrad::distributed;

int main(int argc, char** argv) {
  xd::init(&argc, &argv);
  if (argc != 4) {
    std::cerr << "usage: distributed_kill_worker STEPS KILL_RANK KILL_STEP\n";
    return 2;
  }
  const int steps = std::atoi(argv[1]), kill_rank = std::atoi(argv[2]), kill_step = std::atoi(argv[3]);
  xg::manual_seed(0);
  auto net = std::make_shared<xg::nn::Sequential>(std::vector<std::shared_ptr<xg::nn::Module>>{
      std::make_shared<xg::nn::Linear>(32, 64), std::make_shared<xg::nn::ReLU>(),
      std::make_shared<xg::nn::Linear>(64, 4)});
  xd::DistributedDataParallel ddp(net);
  xg::optim::SGD opt(net->parameters(), {.lr = 0.01});
  for (int s = 0; s < steps; ++s) {
    if (xd::rank() == kill_rank && s == kill_step) {
      std::cout << "rank " << kill_rank << " kills itself at step " << s << std::endl;
      std::raise(SIGKILL);
    }
    xg::Tensor x = xg::randn({16, 32});
    opt.zero_grad();
    ddp.forward(x).pow(2.0).mean().backward();
    ddp.finish();
    opt.step();
    if (xd::rank() == 0 && s % 100 == 0) std::cout << "step " << s << std::endl;
    usleep(1000);
  }
  if (xd::rank() == 0) std::cout << "finished " << steps << " steps" << std::endl;
}
