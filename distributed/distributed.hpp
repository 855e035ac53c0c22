#pragma once
// The distributed component's umbrella: #include <xgrad/distributed/distributed.hpp> and link
// xgrad::distributed (find_package(xgrad COMPONENTS distributed)). Built only where MPI is.
#include "xgrad/distributed/collectives.hpp"
#include "xgrad/distributed/data_parallel.hpp"
#include "xgrad/distributed/process_group.hpp"
#include "xgrad/distributed/sync_batch_norm.hpp"
