// SPDX-License-Identifier: MIT
// zkyuma's proof-gated validator. Deployed, this contract's mapped Substrate account
// (blake2_256("evm:" ++ address), what subtensor's precompiles act as for a contract caller) is a
// validator hotkey that no private key signs for: register it with the neuron precompile's
// burnedRegister (the contract's own account as coldkey and hotkey) and stake to it from any
// coldkey. Its weights change only here, and only to a row that a public-mode score proof for
// this hotkey, this subnet and a later epoch than the last proves:
// - commit-reveal off: setWeights(row, ...) dispatches the neuron precompile's setWeights;
// - commit-reveal on: the operator commits a hash (commitWeights; the runtime checks it at the
//   reveal), and revealWeights(row, salt, ...) checks the proof before it reveals.
// Zero weights are left out of the dispatched row (as the bittensor SDK emits rows).
// Anyone can check a hotkey is such a gate: its account is the mapping of this contract's
// address, whose code is this source.
pragma solidity ^0.8.24;

interface IScoreVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[] calldata input) external view returns (bool);

    function PUBLIC_INPUTS() external view returns (uint256);
}

interface INeuron {
    function setWeights(uint16 netuid, uint16[] memory dests, uint16[] memory weights, uint64 versionKey)
        external
        payable;

    function commitWeights(uint16 netuid, bytes32 commitHash) external payable;

    function revealWeights(
        uint16 netuid,
        uint16[] memory uids,
        uint16[] memory values,
        uint16[] memory salt,
        uint64 versionKey
    ) external payable;
}

interface IAddressMapping {
    function addressMapping(address target) external view returns (bytes32);
}

contract ZkyumaWeightGate {
    address public constant NEURON = 0x0000000000000000000000000000000000000804;
    address public constant ADDRESS_MAPPING = 0x000000000000000000000000000000000000080C;

    IScoreVerifier public immutable verifier;
    uint16 public immutable netuid;
    uint16 public immutable miners;
    address public immutable operator;
    bytes32 public immutable hotkey;
    uint256 internal immutable hotkeyLo;
    uint256 internal immutable hotkeyHi;

    uint64 public lastEpoch;

    event WeightsProven(uint64 indexed epoch, uint256 weights, uint256 restDigest, bool revealed);

    error BadVerifier(uint256 publicInputs);
    error RowLength(uint256 got, uint256 expected);
    error StaleEpoch(uint64 epoch, uint64 last);
    error InvalidProof();
    error NotOperator(address sender);

    constructor(IScoreVerifier scoreVerifier, uint16 subnet, uint16 rowLength, address op) {
        uint256 inputs = scoreVerifier.PUBLIC_INPUTS();
        if (inputs != 6) revert BadVerifier(inputs);
        verifier = scoreVerifier;
        netuid = subnet;
        miners = rowLength;
        operator = op;
        bytes32 account = IAddressMapping(ADDRESS_MAPPING).addressMapping(address(this));
        hotkey = account;
        hotkeyLo = le128(uint256(account) >> 128);
        hotkeyHi = le128(uint256(account) & type(uint128).max);
    }

    /// Commit-reveal off: set the proven row as this hotkey's weights.
    function setWeights(
        uint16[] calldata row,
        uint64 versionKey,
        uint64 epoch,
        uint256 restDigest,
        uint256[8] calldata proof
    ) external {
        uint256 weights = check(row, epoch, restDigest, proof);
        (uint16[] memory dests, uint16[] memory values) = nonZero(row);
        INeuron(NEURON).setWeights(netuid, dests, values, versionKey);
        emit WeightsProven(epoch, weights, restDigest, false);
    }

    /// Commit-reveal on: commit the hash of the row to be revealed (the runtime checks it at the
    /// reveal; the proof is checked there, so only the operator may spend commit slots).
    function commitWeights(bytes32 commitHash) external {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        INeuron(NEURON).commitWeights(netuid, commitHash);
    }

    /// Commit-reveal on: reveal the proven row (its non-zero entries, as committed).
    function revealWeights(
        uint16[] calldata row,
        uint16[] calldata salt,
        uint64 versionKey,
        uint64 epoch,
        uint256 restDigest,
        uint256[8] calldata proof
    ) external {
        uint256 weights = check(row, epoch, restDigest, proof);
        (uint16[] memory uids, uint16[] memory values) = nonZero(row);
        INeuron(NEURON).revealWeights(netuid, uids, values, salt, versionKey);
        emit WeightsProven(epoch, weights, restDigest, true);
    }

    function check(uint16[] calldata row, uint64 epoch, uint256 restDigest, uint256[8] calldata proof)
        internal
        returns (uint256 weights)
    {
        if (row.length != miners) revert RowLength(row.length, miners);
        if (epoch <= lastEpoch) revert StaleEpoch(epoch, lastEpoch);
        weights = ZkyumaPoseidon.publicWeightsDigest(row);
        uint256[] memory input = new uint256[](6);
        input[0] = netuid;
        input[1] = epoch;
        input[2] = hotkeyLo;
        input[3] = hotkeyHi;
        input[4] = weights;
        input[5] = restDigest;
        if (!verifier.verifyProof(proof, input)) revert InvalidProof();
        lastEpoch = epoch;
    }

    function nonZero(uint16[] calldata row) internal pure returns (uint16[] memory uids, uint16[] memory values) {
        uint256 n = 0;
        for (uint256 i = 0; i < row.length; i++) {
            if (row[i] != 0) n++;
        }
        uids = new uint16[](n);
        values = new uint16[](n);
        uint256 k = 0;
        for (uint256 i = 0; i < row.length; i++) {
            if (row[i] != 0) {
                uids[k] = uint16(i);
                values[k] = row[i];
                k++;
            }
        }
    }

    function le128(uint256 v) internal pure returns (uint256) {
        v = ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00) >> 8) | ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000) >> 16) | ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v = ((v & 0xFFFFFFFF00000000FFFFFFFF00000000) >> 32) | ((v & 0x00000000FFFFFFFF00000000FFFFFFFF) << 32);
        return (v >> 64) | ((v & 0xFFFFFFFFFFFFFFFF) << 64);
    }
}
