#include "xgrad/distributed/process_group.hpp"

#include <cstdlib>

#include "xgrad/distributed/detail/mpi.hpp"

namespace xgrad::distributed {

namespace {
MPI_Comm world_comm = MPI_COMM_NULL, gradient_comm = MPI_COMM_NULL;
int my_rank = 0, my_size = 1, my_local_rank = 0;
bool we_initialized = false;

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (world_comm != MPI_COMM_NULL) MPI_Comm_free(&world_comm);
  if (gradient_comm != MPI_COMM_NULL) MPI_Comm_free(&gradient_comm);
  if (we_initialized) MPI_Finalize();
}
}  // namespace

namespace detail {
MPI_Comm world() {
  require_init("distributed");
  return world_comm;
}
MPI_Comm gradients() {
  require_init("distributed");
  return gradient_comm;
}
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  fail(call, "rank ", my_rank, " of ", my_size, ": ", std::string(text, std::size_t(len)));
}
MPI_Datatype mpi_type(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt64: return MPI_INT64_T;
  }
  fail("distributed", "unknown dtype");
}
void require_init(const char* op) {
  if (world_comm == MPI_COMM_NULL) fail(op, "call xg::distributed::init() first");
}
}  // namespace detail

void init(int* argc, char*** argv) {
  if (world_comm != MPI_COMM_NULL) return;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    detail::check(MPI_Init(argc, argv), "MPI_Init");
    we_initialized = true;
  }
  detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &world_comm), "MPI_Comm_dup");
  detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &gradient_comm), "MPI_Comm_dup");
  // Errors come back as codes that check() turns into exceptions, instead of aborting the job.
  MPI_Comm_set_errhandler(world_comm, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(gradient_comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(world_comm, &my_rank);
  MPI_Comm_size(world_comm, &my_size);
  MPI_Comm local = MPI_COMM_NULL;
  detail::check(MPI_Comm_split_type(world_comm, MPI_COMM_TYPE_SHARED, my_rank, MPI_INFO_NULL, &local),
                "MPI_Comm_split_type");
  MPI_Comm_rank(local, &my_local_rank);
  MPI_Comm_free(&local);
  std::atexit(finalize_at_exit);
}

bool is_initialized() { return world_comm != MPI_COMM_NULL; }
int rank() { return my_rank; }
int world_size() { return my_size; }
int local_rank() { return my_local_rank; }

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, std::size_t(len));
}

void barrier() { detail::check(MPI_Barrier(detail::world()), "MPI_Barrier"); }

}  // namespace xgrad::distributed
