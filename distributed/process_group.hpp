#pragma once
// The MPI process group, as torch.distributed's init_process_group on its MPI backend: every
// process of an `mpirun -np N program` run calls init() once, then knows its rank (0..N-1), the
// world size N and its local rank (its index among the ranks on the same machine, which a
// program uses to pick a GPU or a core set). Every collective (collectives.hpp,
// DistributedDataParallel) runs over this group.
//
//   xg::distributed::init(&argc, &argv);   // also fine without mpirun: one rank, world size 1
//   if (xg::distributed::rank() == 0) std::cout << "training on " << world_size() << " ranks\n";
//
// MPI errors are returned, not fatal, and become xg::Error naming the MPI call. A rank that
// dies (killed, crashed) makes mpirun end the job and name it: "mpirun noticed that process
// rank 1 ... exited on signal 9 (Killed)"; the other ranks are stopped by mpirun, never left
// waiting (tests/distributed/kill_rank.sh).
#include <string>

namespace xgrad::distributed {

// Initializes MPI once (later calls do nothing); MPI_Finalize runs at exit.
void init(int* argc = nullptr, char*** argv = nullptr);
bool is_initialized();
int rank();
int world_size();
int local_rank();  // among the ranks sharing this machine (MPI_COMM_TYPE_SHARED)
std::string processor_name();
// Waits until every rank has arrived.
void barrier();

}  // namespace xgrad::distributed
