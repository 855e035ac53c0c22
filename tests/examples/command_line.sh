#!/usr/bin/env bash
# The command line of one program of examples/ or bench/ (issue 18): a bad number, a bad path and
# --help, each with its exit code and message, never CLI11's own texts.
#   command_line.sh WORKDIR PROGRAM BINARY
work=$1 program=$2 bin=$3
source "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work"
touch "$work/file"

# The folder checks every program with --out shares: a file, a path under a file.
bad_out() {
  expect 2 "--out $work/file: is a file, not a folder" "$bin" --out "$work/file" "$@"
  expect 2 "--out $work/file/sub: $work/file is a file, not a folder" "$bin" --out "$work/file/sub" "$@"
}

case $program in
  linear_regression)
    expect 0 "gradient-descent steps in total (a resumed run counts those already done) [default: 200]" "$bin" --help
    expect 2 "--lr abc: not a number" "$bin" --lr abc
    expect 2 "--lr 0: must be above 0" "$bin" --lr 0
    expect 2 "--steps -5: must be at least 1" "$bin" --steps -5
    expect 2 "--steps 0: must be at least 1" "$bin" --steps 0
    expect 2 "--steps 1.5: not a whole number" "$bin" --steps 1.5
    expect 2 "--steps 99999999999999999999999: must be at most 1000000" "$bin" --steps 99999999999999999999999
    expect 2 "--noise nan: not a finite number" "$bin" --noise nan
    expect 2 "--momentum 1: must be at most 0.999" "$bin" --momentum 1
    expect 2 "--optimizer sgdd: must be sgd, momentum, rmsprop or adam" "$bin" --optimizer sgdd
    expect 2 "--n 10000000 --features 10000: 100000000000 values; at most 100000000" "$bin" --n 10000000 --features 10000
    expect 2 "--csv $work/none.csv: no such file" "$bin" --csv "$work/none.csv" --target y
    expect 2 "--target y: needs --csv" "$bin" --target y
    expect 2 "--plot-feature 5: there are 3 features" "$bin" --plot-feature 5 --out "$work/o"
    bad_out
    ;;
  fashion_mnist)
    expect 0 "[default: 3]" "$bin" --help
    expect 2 "--epochs 0: must be at least 1" "$bin" --epochs 0
    expect 2 "--lr abc: not a number" "$bin" --lr abc
    expect 2 "--hidden 2000000000: must be at most 100000" "$bin" --model mlp --hidden 2000000000
    expect 2 "--hidden 100000,100000: the MLP would have 10079600010 parameters; at most 268435456" \
      "$bin" --model mlp --hidden 100000,100000
    expect 2 "--model cnn: must be softmax, mlp or ovr" "$bin" --model cnn
    bad_out
    ;;
  tiny_yolo)
    expect 0 "passes over the training images [default: 10]" "$bin" --help
    expect 2 "--epochs 9223372036854775807: must be at most 100000" "$bin" --epochs 9223372036854775807
    expect 2 "--batch-size abc: not a number" "$bin" --batch-size abc
    expect 2 "--batch-size 2.5: not a whole number" "$bin" --batch-size 2.5
    expect 2 "--show-score 2: must be at most 1" "$bin" --show-score 2
    expect 2 "--checkpoint $work/none: no such file" "$bin" --predict --checkpoint "$work/none"
    bad_out
    ;;
  descent_paths)
    expect 0 "momentum of SGD + momentum and Nesterov [default: 0.9]" "$bin" --help
    expect 2 "--steps -5: must be at least 1" "$bin" --steps -5
    expect 2 "--lr-adam x: not a number" "$bin" --lr-adam x
    bad_out
    ;;
  draw_graph)
    expect 0 "[default: out/draw_graph]" "$bin" --help
    expect 2 "--format jpg: must be" "$bin" --format jpg
    bad_out
    ;;
  loss_curves)
    expect 0 "[default: out/loss_curves]" "$bin" --help
    bad_out
    expect 2 "were not expected: 5 --steps (see --help)" "$bin" --steps 5
    ;;
  yolo_cell_figure)
    expect 0 "[default: out/yolo_cell_figure]" "$bin" --help
    bad_out
    ;;
  fit_line)
    expect 0 "number of gradient-descent steps [default: 300]" "$bin" --help
    expect 2 "--steps -5: must be at least 1" "$bin" --steps -5
    expect 2 "--lr 1e999: not a finite number" "$bin" --lr 1e999
    ;;
  compare_xgrad)
    expect 0 "which conv2d uses too [default: 1]" "$bin" --help
    expect 2 "--threads 0: must be at least 1" "$bin" --threads 0
    expect 2 "--seconds abc: not a number" "$bin" --seconds abc
    expect 2 "--workloads W9: unknown workload 'W9'" "$bin" --workloads W9
    ;;
  compare_chart)
    expect 0 "RESULTS.csv" "$bin" --help
    expect 2 "results $work/none.csv: no such file" "$bin" "$work/none.csv" "$work/out.png"
    expect 2 "out $work/file/chart.png: $work/file is a file, not a folder" "$bin" "$work/file" "$work/file/chart.png"
    expect 2 "out $work: is a folder, not a file" "$bin" "$work/file" "$work"
    ;;
  tutorial_01_descent | tutorial_02_regression | tutorial_03_outliers)
    expect 0 "[default: out/tutorial]" "$bin" --help
    [[ $program == tutorial_01_descent ]] || expect 2 "--steps 0: must be at least 1" "$bin" --steps 0
    bad_out
    ;;
  tutorial_04_classification)
    expect 0 "Fashion-MNIST training images used [default: 5000]" "$bin" --help
    expect 2 "--train-limit 99: must be at least 100" "$bin" --train-limit 99
    expect 2 "--epochs abc: not a number" "$bin" --epochs abc
    ;;
  tutorial_05_yolo)
    expect 0 "the primer's and the reference's" "$bin" --help
    expect 2 "were not expected" "$bin" --steps 5
    ;;
  tutorial_06_own_loss)
    expect 0 "gradient-descent steps per fit [default: 4000]" "$bin" --help
    expect 2 "--steps 1.5: not a whole number" "$bin" --steps 1.5
    ;;
  *)
    echo "command_line.sh: no checks for $program"
    exit 1
    ;;
esac
finish
