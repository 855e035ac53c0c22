#pragma once
// The programs' checked, atomic output files: train/output_files.hpp, under the names the
// programs use (cli::write_file, cli::remove_stale_temporaries).
#include <xgrad/train/output_files.hpp>

namespace cli {

using xgrad::train::remove_stale_temporaries;
using xgrad::train::write_file;

}  // namespace cli
