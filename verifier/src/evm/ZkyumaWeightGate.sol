// SPDX-License-Identifier: MIT
// zkyuma's proof-gated validator. Deployed, this contract's mapped Substrate account
// (blake2_256("evm:" ++ address), what subtensor's precompiles act as for a contract caller) is a
// validator hotkey that no private key signs for. The constructor registers it on the subnet
// through the neuron precompile's burnedRegister with the contract's own account as coldkey (the
// burn is paid from the value sent with the deployment), in the same transaction, so the hotkey's
// owner is the contract or the deployment fails. Stake may come from any coldkey. Its weights
// change only here, and only to a row that a public-mode score proof for this hotkey, this subnet
// and a later epoch than the last proves, under the verifying key pinned at deployment:
// - commit-reveal off: setWeights(row, ...) dispatches the neuron precompile's setWeights;
// - commit-reveal on: commitWeights(hash), then revealWeights(row, salt, ...) checks the proof
//   before it reveals (the runtime checks the reveal against the hash).
// Only the operator submits (an outsider holding a published proof cannot spend an epoch).
// Zero weights are left out of the dispatched row (as the bittensor SDK emits rows).
// Subtensor's precompiles have no EVM code, so they are reached with low-level calls.
// Anyone can check a hotkey is such a gate: its account is the mapping of this contract's
// address, whose code is this source, its owner is itself, and its verifier's VK_HASH is the
// subnet's published score key.
pragma solidity ^0.8.24;

interface IScoreVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[] calldata input) external view returns (bool);

    function PUBLIC_INPUTS() external view returns (uint256);

    function VK_HASH() external view returns (bytes32);
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

    function burnedRegister(uint16 netuid, bytes32 hotkey) external payable;
}

interface IAddressMapping {
    function addressMapping(address target) external view returns (bytes32);
}

/// The public-mode digest in a contract of its own (the gate creates it, so it is trusted by
/// construction; together they would exceed EIP-170's code size).
contract ZkyumaPoseidonHasher {
    function publicWeightsDigest(uint16[] calldata row) external pure returns (uint256) {
        return ZkyumaPoseidon.publicWeightsDigest(row);
    }
}

contract ZkyumaWeightGate {
    address public constant NEURON = 0x0000000000000000000000000000000000000804;
    address public constant ADDRESS_MAPPING = 0x000000000000000000000000000000000000080C;

    IScoreVerifier public immutable verifier;
    ZkyumaPoseidonHasher public immutable hasher;
    uint16 public immutable netuid;
    uint16 public immutable miners;
    address public immutable operator;
    bytes32 public immutable hotkey;
    uint256 internal immutable hotkeyLo;
    uint256 internal immutable hotkeyHi;

    uint64 public lastEpoch;

    event WeightsProven(uint64 indexed epoch, uint256 weights, uint256 restDigest, bool revealed);

    error BadVerifier(uint256 publicInputs, bytes32 vkHash);
    error RowLength(uint256 got, uint256 expected);
    error StaleEpoch(uint64 epoch, uint64 last);
    error InvalidProof();
    error NotOperator(address sender);
    error NeuronCallFailed(bytes reason);

    constructor(IScoreVerifier scoreVerifier, bytes32 vkHash, uint16 subnet, uint16 rowLength, address op)
        payable
    {
        uint256 inputs = scoreVerifier.PUBLIC_INPUTS();
        bytes32 pinned = scoreVerifier.VK_HASH();
        if (inputs != 6 || pinned != vkHash) revert BadVerifier(inputs, pinned);
        verifier = scoreVerifier;
        hasher = new ZkyumaPoseidonHasher();
        netuid = subnet;
        miners = rowLength;
        operator = op;
        bytes32 account = IAddressMapping(ADDRESS_MAPPING).addressMapping(address(this));
        hotkey = account;
        hotkeyLo = le128(uint256(account) >> 128);
        hotkeyHi = le128(uint256(account) & type(uint128).max);
        neuron(abi.encodeCall(INeuron.burnedRegister, (subnet, account)));
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    function neuron(bytes memory call) internal {
        (bool ok, bytes memory reason) = NEURON.call(call);
        if (!ok) revert NeuronCallFailed(reason);
    }

    /// Commit-reveal off: set the proven row as this hotkey's weights.
    function setWeights(
        uint16[] calldata row,
        uint64 versionKey,
        uint64 epoch,
        uint256 restDigest,
        uint256[8] calldata proof
    ) external onlyOperator {
        (uint256 weights, uint16[] memory dests, uint16[] memory values) = proven(row, epoch, restDigest, proof);
        neuron(abi.encodeCall(INeuron.setWeights, (netuid, dests, values, versionKey)));
        emit WeightsProven(epoch, weights, restDigest, false);
    }

    /// Commit-reveal on: commit the hash of the row to be revealed (the runtime checks it at the
    /// reveal, where the proof is checked).
    function commitWeights(bytes32 commitHash) external onlyOperator {
        neuron(abi.encodeCall(INeuron.commitWeights, (netuid, commitHash)));
    }

    /// Commit-reveal on: reveal the proven row (its non-zero entries, as committed).
    function revealWeights(
        uint16[] calldata row,
        uint16[] calldata salt,
        uint64 versionKey,
        uint64 epoch,
        uint256 restDigest,
        uint256[8] calldata proof
    ) external onlyOperator {
        (uint256 weights, uint16[] memory uids, uint16[] memory values) = proven(row, epoch, restDigest, proof);
        neuron(abi.encodeCall(INeuron.revealWeights, (netuid, uids, values, salt, versionKey)));
        emit WeightsProven(epoch, weights, restDigest, true);
    }

    /// Verify the proof of `row` for this hotkey, subnet and a new epoch (spending the epoch); the
    /// row's digest and its non-zero entries, as dispatched.
    function proven(uint16[] calldata row, uint64 epoch, uint256 restDigest, uint256[8] calldata proof)
        internal
        returns (uint256 weights, uint16[] memory uids, uint16[] memory values)
    {
        if (row.length != miners) revert RowLength(row.length, miners);
        if (epoch <= lastEpoch) revert StaleEpoch(epoch, lastEpoch);
        weights = hasher.publicWeightsDigest(row);
        uint256[] memory input = new uint256[](6);
        input[0] = netuid;
        input[1] = epoch;
        input[2] = hotkeyLo;
        input[3] = hotkeyHi;
        input[4] = weights;
        input[5] = restDigest;
        if (!verifier.verifyProof(proof, input)) revert InvalidProof();
        lastEpoch = epoch;
        (uids, values) = nonZero(row);
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
