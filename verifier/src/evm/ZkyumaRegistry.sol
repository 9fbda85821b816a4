// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What the registry needs from a generated zkyuma verifier (`zkyuma export evm-verifier`).
interface IZkyumaVerifier {
    /// @notice Groth16 check of `proof` for `input` under the verifier's embedded key.
    function verifyProof(uint256[8] calldata proof, uint256[] calldata input) external view returns (bool);

    /// @notice Number of public inputs of the embedded key.
    function PUBLIC_INPUTS() external view returns (uint256);
}

/// @title ZkyumaRegistry: verified zkyuma statements of a subnet, keyed by (netuid, circuit, shape, version).
/// @notice The subnet owner registers one generated verifier per key. A validator submits its score proof
/// for an epoch; the registry rebuilds the proof's public inputs from data it checks itself (the key's
/// netuid, the epoch, the hotkey of the sender, the weight commitment), verifies, and records the
/// weight commitment in storage (for emissions logic) and the digest of the rest of the statement and
/// the proof in the `ScoreVerified` log (auditors re-verify the proof and check the digest off-chain
/// against the epoch bundle; a second storage slot would cost 22k gas more per submission). Epoch proofs (one public input, the statement
/// digest) are recorded by (epoch, digest).
contract ZkyumaRegistry {
    /// @notice Circuit kind of a score proof: inputs [netuid, epoch, hotkey_lo, hotkey_hi, weights, rest_digest].
    uint8 public constant SCORE = 1;
    /// @notice Circuit kind of an epoch proof: inputs [digest].
    uint8 public constant EPOCH = 2;

    /// @notice A registered key.
    struct Key {
        address verifier;
        uint16 netuid;
        uint8 kind;
    }

    /// @notice Who may register keys (the subnet owner).
    address public owner;
    /// @notice Registered keys by key id.
    mapping(bytes32 => Key) public keys;
    /// @notice Verified score statements: key id => epoch => validator hotkey => weight commitment
    /// (0: none). The statement's rest digest is in the `ScoreVerified` log.
    mapping(bytes32 => mapping(uint64 => mapping(bytes32 => uint256))) public scores;
    /// @notice Verified epoch statements: key id => epoch => statement digest => verified.
    mapping(bytes32 => mapping(uint64 => mapping(uint256 => bool))) public epochs;

    event KeyRegistered(
        bytes32 indexed keyId, uint16 netuid, string circuit, string shape, uint32 version, address verifier, uint8 kind
    );
    /// @notice A verified score proof. The proof itself is in the log so that an auditor re-verifies it
    /// natively from the chain's events alone (`zkyuma audit --subtensor`), trusting neither this
    /// contract nor its verifier; it costs 2 048 gas of log data.
    event ScoreVerified(
        bytes32 indexed keyId,
        uint64 indexed epoch,
        bytes32 indexed hotkey,
        uint256 weights,
        uint256 restDigest,
        uint256[8] proof
    );
    event EpochVerified(bytes32 indexed keyId, uint64 indexed epoch, uint256 digest);

    error NotOwner();
    error KeyExists(bytes32 keyId);
    error BadKey(uint8 kind, uint256 publicInputs);
    error WrongKind(bytes32 keyId, uint8 expected, uint8 got);
    error NotHotkey(address sender, bytes32 hotkey);
    error AlreadyRecorded(bytes32 keyId, uint64 epoch);
    error ZeroWeights();
    error InvalidProof();

    constructor() {
        owner = msg.sender;
    }

    /// @notice keccak256(abi.encode(netuid, circuit, shape, version)).
    function keyId(uint16 netuid, string memory circuit, string memory shape, uint32 version)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(netuid, circuit, shape, version));
    }

    /// @notice Hand the registry to another owner.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
        owner = newOwner;
    }

    /// @notice Register the verifier of a key. A key is never replaced: new keys get a new version.
    function register(
        uint16 netuid,
        string calldata circuit,
        string calldata shape,
        uint32 version,
        address verifier,
        uint8 kind
    ) external returns (bytes32 id) {
        if (msg.sender != owner) revert NotOwner();
        id = keyId(netuid, circuit, shape, version);
        if (keys[id].verifier != address(0)) revert KeyExists(id);
        uint256 inputs = IZkyumaVerifier(verifier).PUBLIC_INPUTS();
        if (!((kind == SCORE && inputs == 6) || (kind == EPOCH && inputs == 1))) revert BadKey(kind, inputs);
        keys[id] = Key(verifier, netuid, kind);
        emit KeyRegistered(id, netuid, circuit, shape, version, verifier, kind);
    }

    /// @notice Verify and record a validator's score proof for `epoch`. The sender must be the hotkey's
    /// EVM address (its first 20 bytes: the hotkey signed the EVM pallet's `call`, whose source is the
    /// signer's truncated account). One record per (key, epoch, hotkey).
    function submitScore(
        bytes32 id,
        uint64 epoch,
        bytes32 hotkey,
        uint256 weights,
        uint256 restDigest,
        uint256[8] calldata proof
    ) external {
        Key memory k = keys[id];
        if (k.kind != SCORE) revert WrongKind(id, SCORE, k.kind);
        if (msg.sender != address(bytes20(hotkey))) revert NotHotkey(msg.sender, hotkey);
        if (scores[id][epoch][hotkey] != 0) revert AlreadyRecorded(id, epoch);
        // A Poseidon output is never 0 in practice; 0 marks "no record".
        if (weights == 0) revert ZeroWeights();
        uint256[] memory input = new uint256[](6);
        input[0] = k.netuid;
        input[1] = epoch;
        input[2] = le128(uint256(hotkey) >> 128);
        input[3] = le128(uint256(hotkey) & type(uint128).max);
        input[4] = weights;
        input[5] = restDigest;
        if (!IZkyumaVerifier(k.verifier).verifyProof(proof, input)) revert InvalidProof();
        scores[id][epoch][hotkey] = weights;
        emit ScoreVerified(id, epoch, hotkey, weights, restDigest, proof);
    }

    /// @notice Verify and record an epoch proof for its statement digest.
    function submitEpoch(bytes32 id, uint64 epoch, uint256 digest, uint256[8] calldata proof) external {
        Key memory k = keys[id];
        if (k.kind != EPOCH) revert WrongKind(id, EPOCH, k.kind);
        if (epochs[id][epoch][digest]) revert AlreadyRecorded(id, epoch);
        uint256[] memory input = new uint256[](1);
        input[0] = digest;
        if (!IZkyumaVerifier(k.verifier).verifyProof(proof, input)) revert InvalidProof();
        epochs[id][epoch][digest] = true;
        emit EpochVerified(id, epoch, digest);
    }

    /// @notice The 16 bytes of `v` (< 2^128, big-endian) read as a little-endian integer: the
    /// statement's `hotkey_lo` / `hotkey_hi` from the hotkey's first / last 16 bytes.
    function le128(uint256 v) internal pure returns (uint256) {
        v = ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00) >> 8) | ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000) >> 16) | ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v = ((v & 0xFFFFFFFF00000000FFFFFFFF00000000) >> 32) | ((v & 0x00000000FFFFFFFF00000000FFFFFFFF) << 32);
        return (v >> 64) | ((v & 0xFFFFFFFFFFFFFFFF) << 64);
    }
}
