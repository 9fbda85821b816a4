//! The network layer: the wire protocol and its checked conversions, serving and connecting
//! with size limits, hotkeys with the payloads they sign, and sealed delivery on record.

pub mod hotkey;
pub mod protocol;
pub mod sealed;
pub mod serve;
