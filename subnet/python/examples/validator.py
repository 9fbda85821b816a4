"""A zkyuma validator loop, written the way Bittensor validators are written.

Each epoch the validator syncs the metagraph, queries the miners, scores their answers, turns
the scores into weights, proves that those weights follow the miners' committed outputs and
the subnet's public scoring function, and submits the proof (which sets its weights). After
every epoch the subnet's epoch prover proves the Yuma consensus; at the end every epoch bundle
is audited.

It runs offline against a local subnet (the embedded chain on loopback, honest miners, keys
from the insecure local setup): ``python examples/validator.py --epochs 2``.
"""

import argparse
import sys
import time

import numpy as np

import zkyuma


class Validator:
    """One validator's forward pass: query, score, weights, prove, submit."""

    def __init__(self, subnet: zkyuma.LocalSubnet, index: int) -> None:
        self.subnet = subnet
        self.handle = subnet.validator(index)
        self.scoring = subnet.scoring
        self.metagraph = subnet.metagraph()
        self.uid = next(
            n["uid"] for n in self.metagraph["neurons"] if n["hotkey"] == self.handle.hotkey
        )

    def sync(self) -> None:
        self.metagraph = self.subnet.metagraph()

    def register(self) -> None:
        accepted, reason = self.handle.register()
        if not accepted:
            raise RuntimeError(f"evaluation set refused: {reason}")

    def forward(self, epoch: int) -> dict:
        self.sync()
        # Query the miners: the task is sealed to each, their answers are committed on the
        # chain before any is opened.
        answers = self.handle.query_miners(epoch)
        labels = np.array(answers["labels"], dtype=np.uint16)
        present = [m["outputs"] is not None for m in answers["miners"]]
        outputs = np.array(
            [m["outputs"] if m["outputs"] is not None else [0] * len(labels) for m in answers["miners"]],
            dtype=np.uint16,
        )
        # Score the answers and turn the scores into weights, exactly as the circuit will.
        scores, weights = zkyuma.score(self.scoring, outputs, labels, present)
        # Prove that these weights are the scoring function's, then submit (set weights).
        proven = self.handle.prove(epoch)
        if proven["row"] != weights:
            raise RuntimeError(f"the proven row {proven['row']} is not the scored {weights}")
        accepted, reason = self.handle.submit(epoch)
        return {
            "uid": self.uid,
            "scores": scores,
            "weights": weights,
            "prove_seconds": proven["prove_seconds"],
            "accepted": accepted,
            "reason": reason,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dir", default=None, help="keep state and bundles here")
    args = parser.parse_args()

    started = time.time()
    with zkyuma.LocalSubnet([3_000_000, 2_000_000], [0] * 5, dir=args.dir) as subnet:
        print(f"subnet up at {subnet.chain_url} ({time.time() - started:.1f} s, scoring {subnet.scoring})")
        validators = [Validator(subnet, i) for i in range(subnet.validators)]
        for v in validators:
            v.register()
        for _ in range(args.epochs):
            epoch = subnet.epoch
            for v in validators:
                out = v.forward(epoch)
                verdict = "accepted" if out["accepted"] else f"refused: {out['reason']}"
                print(
                    f"epoch {epoch} uid {out['uid']}: weights {out['weights']} "
                    f"proved in {out['prove_seconds']:.2f} s, {verdict}"
                )
                if not out["accepted"]:
                    return 1
            closed, size = subnet.close_epoch()
            print(f"epoch {closed}: consensus proven ({size}-byte proof) and paid")
        report = subnet.audit()
        print(report.text)
        emissions = {n["uid"]: n["emission_total"] for n in subnet.metagraph()["neurons"]}
        print(f"emission so far per uid: {emissions}")
        return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
