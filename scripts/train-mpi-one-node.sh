#!/usr/bin/env bash
# Data-parallel C²AM training on one machine with N CPU processes (MPI).
# Each process gets OMP threads = cores / N; --batch is the global batch, and
# the loss sees all of it (docs/distributed.md). Extra arguments go to
# `c2am train`, e.g.:
#   scripts/train-mpi-one-node.sh 4 --data cub:/data/CUB_200_2011 --recipe cub --out runs/cub-mpi
set -euo pipefail
processes=${1:?usage: train-mpi-one-node.sh PROCESSES [c2am train options...]}
shift
cores=$(nproc)
threads=$(( cores / processes > 0 ? cores / processes : 1 ))
c2am=${C2AM:-$(dirname "$0")/../build/c2am}
exec mpiexec -n "$processes" --bind-to none -x OMP_NUM_THREADS="$threads" "$c2am" train --distributed "$@"
