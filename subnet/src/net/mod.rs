//! The network layer: the wire protocol and its checked conversions, serving and connecting
//! with size limits, and hotkeys with the payloads they sign.

pub mod hotkey;
pub mod protocol;
pub mod serve;
