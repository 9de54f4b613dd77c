/**
 * TP-Link Device Discovery Protocol (TDP, UDP port 20002) packets: a 16-byte big-endian header,
 * then a JSON payload. Header: version (u8, 2), message type (u8), op code (u16, 1 = probe),
 * payload length (u16), flags (u8), a zero byte, serial (u32, random per probe), checksum (u32):
 * CRC-32 of the whole packet computed while the checksum field holds the magic 0x5A6B7C8D.
 * Used by the discovery client and by the simulator's responder.
 */
import { crc32 } from 'node:zlib';

export const TDP_PORT = 20002;
export const TDP_HEADER_BYTES = 16;
export const TDP_VERSION = 2;
export const TDP_OP_PROBE = 1;
/** The flags byte clients put on a probe. */
export const TDP_PROBE_FLAGS = 0x11;
const CHECKSUM_SEED = 0x5a6b7c8d;
/** A payload's length must fit the u16 length field. */
export const TDP_MAX_PAYLOAD = 0xffff;

export interface TdpHeader {
  version: number;
  messageType: number;
  opCode: number;
  /** Payload length as the header states it. */
  length: number;
  flags: number;
  serial: number;
  checksum: number;
}

/** A packet: header fields (checksum computed here) and the JSON payload bytes. */
export function encodeTdp(
  fields: { serial: number; version?: number; messageType?: number; opCode?: number; flags?: number },
  payload: Buffer
): Buffer {
  if (payload.length > TDP_MAX_PAYLOAD) {
    throw new RangeError(`TDP payload of ${payload.length} bytes does not fit the length field`);
  }
  const packet = Buffer.alloc(TDP_HEADER_BYTES + payload.length);
  packet.writeUInt8(fields.version ?? TDP_VERSION, 0);
  packet.writeUInt8(fields.messageType ?? 0, 1);
  packet.writeUInt16BE(fields.opCode ?? TDP_OP_PROBE, 2);
  packet.writeUInt16BE(payload.length, 4);
  packet.writeUInt8(fields.flags ?? TDP_PROBE_FLAGS, 6);
  packet.writeUInt8(0, 7);
  packet.writeUInt32BE(fields.serial >>> 0, 8);
  packet.writeUInt32BE(CHECKSUM_SEED, 12);
  payload.copy(packet, TDP_HEADER_BYTES);
  packet.writeUInt32BE(crc32(packet), 12);
  return packet;
}

/** The header of a packet, or null when it is shorter than one. */
export function decodeTdpHeader(packet: Buffer): TdpHeader | null {
  if (packet.length < TDP_HEADER_BYTES) {
    return null;
  }
  return {
    version: packet.readUInt8(0),
    messageType: packet.readUInt8(1),
    opCode: packet.readUInt16BE(2),
    length: packet.readUInt16BE(4),
    flags: packet.readUInt8(6),
    serial: packet.readUInt32BE(8),
    checksum: packet.readUInt32BE(12),
  };
}

/** Does the packet's checksum match its bytes (recomputed with the magic seed in place)? */
export function tdpChecksumOk(packet: Buffer): boolean {
  const header = decodeTdpHeader(packet);
  if (!header) {
    return false;
  }
  const copy = Buffer.from(packet);
  copy.writeUInt32BE(CHECKSUM_SEED, 12);
  return crc32(copy) >>> 0 === header.checksum;
}
