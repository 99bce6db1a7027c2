// The closed vocabularies of a device profile: wasmhost's device classes and Margo's
// enumerations (device capabilities and capacity requirements, each with `other`).

/** The kinds of device wasmhost runs on or talks to (design §6). */
export const DEVICE_CLASSES = ['browser', 'linux', 'embedded-peer'] as const;
/** Margo's CPU architectures. */
export const CPU_ARCHITECTURES = ['amd64', 'arm64', 'arm', 'riscv64', 'other'] as const;
/** Margo's peripheral types. */
export const PERIPHERAL_TYPES = ['gpu', 'display', 'camera', 'microphone', 'speaker', 'other'] as const;
/** Margo's communication interface types. */
export const COMMUNICATION_INTERFACE_TYPES = ['ethernet', 'wifi', 'cellular', 'bluetooth', 'usb', 'canbus', 'rs232', 'other'] as const;

/** Label keys under this prefix are derived from the Wasm facts; a profile may not set them. */
export const WASMHOST_LABEL_PREFIX = 'wasmhost.dev/';
