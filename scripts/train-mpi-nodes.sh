#!/usr/bin/env bash
# Data-parallel C²AM training across machines (MPI). HOSTFILE lists the
# machines with their process counts in Open MPI's format ("node1 slots=2");
# every machine needs the same c2am build at the same path and the dataset
# and --out on storage they all see (process 0 writes the checkpoints and
# the log; every process reads the checkpoint on --resume). Extra arguments
# go to `c2am train`, e.g.:
#   scripts/train-mpi-nodes.sh hosts.txt 8 --data voc:/shared/VOC2012 --recipe voc --out /shared/runs/voc
set -euo pipefail
hostfile=${1:?usage: train-mpi-nodes.sh HOSTFILE PROCESSES [c2am train options...]}
processes=${2:?usage: train-mpi-nodes.sh HOSTFILE PROCESSES [c2am train options...]}
shift 2
c2am=${C2AM:-$(cd "$(dirname "$0")/.." && pwd)/build/c2am}
exec mpiexec --hostfile "$hostfile" -n "$processes" --bind-to none -x OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" \
  "$c2am" train --distributed "$@"
