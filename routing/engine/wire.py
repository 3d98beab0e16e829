"""Decode the library's serialized CheckedExpr (protobuf wire format) into our expression tree."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .nodes import Call, Const, Ident, ListLit, Node, Select, Unsupported

# The library exposes its checked AST only as serialized protobuf and the protobuf runtime is not installed,
# so this reads the few messages we need (cel.expr.CheckedExpr, Expr, Constant, SourceInfo) by field number.
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
_INT64_SIGN = 1 << 63


@dataclass
class SourceInfo:
    line_offsets: list[int] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)


@dataclass
class CheckedExpr:
    expr: Node
    source_info: SourceInfo


def _varint(data: bytes, index: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[index]
        index += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, index


def _fields(data: bytes) -> list[tuple[int, int, object]]:
    """(field number, wire type, value) triples of one message, in order."""
    out = []
    index = 0
    while index < len(data):
        key, index = _varint(data, index)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, index = _varint(data, index)
        elif wire_type == _FIXED64:
            value, index = data[index : index + 8], index + 8
        elif wire_type == _LENGTH:
            length, index = _varint(data, index)
            value, index = data[index : index + length], index + length
        elif wire_type == _FIXED32:
            value, index = data[index : index + 4], index + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
        out.append((number, wire_type, value))
    return out


def _signed64(value: int) -> int:
    return value - (1 << 64) if value & _INT64_SIGN else value


def decode_checked_expr(serialized: bytes) -> CheckedExpr:
    """Decode `Expression.serialize()`: a google.protobuf.Any wrapping a cel.expr.CheckedExpr."""
    payload = next((value for number, _, value in _fields(serialized) if number == 2), b"")
    expr: Node = Unsupported("empty expression")
    source_info = SourceInfo()
    for number, _, value in _fields(payload):
        if number == 4:
            expr = _decode_expr(value)
        elif number == 5:
            source_info = _decode_source_info(value)
    return CheckedExpr(expr, source_info)


def _decode_source_info(data: bytes) -> SourceInfo:
    info = SourceInfo()
    for number, wire_type, value in _fields(data):
        if number == 3 and wire_type == _LENGTH:  # packed repeated int32
            index = 0
            while index < len(value):
                offset, index = _varint(value, index)
                info.line_offsets.append(offset)
        elif number == 3:
            info.line_offsets.append(value)
        elif number == 4:
            entry = {n: v for n, _, v in _fields(value)}
            info.positions[entry.get(1, 0)] = entry.get(2, 0)
    return info


def _decode_expr(data: bytes) -> Node:
    expr_id = 0
    kind, body = None, b""
    for number, _, value in _fields(data):
        if number == 2:
            expr_id = value
        elif 3 <= number <= 9:
            kind, body = number, value
    decoder = _EXPR_DECODERS.get(kind)
    return decoder(body, expr_id) if decoder else Unsupported(f"expression kind {kind}", expr_id)


def _decode_const(data: bytes, expr_id: int) -> Node:
    for number, _, value in _fields(data):
        if number == 1:
            return Const(None, "null", expr_id)
        if number == 2:
            return Const(bool(value), "bool", expr_id)
        if number == 3:
            return Const(_signed64(value), "int", expr_id)
        if number == 4:
            return Const(value, "uint", expr_id)
        if number == 5:
            return Const(struct.unpack("<d", value)[0], "double", expr_id)
        if number == 6:
            return Const(value.decode("utf-8"), "string", expr_id)
        if number == 7:
            return Const(bytes(value), "bytes", expr_id)
    return Unsupported("constant of an unsupported type", expr_id)


def _decode_ident(data: bytes, expr_id: int) -> Node:
    name = next((value.decode() for number, _, value in _fields(data) if number == 1), "")
    return Ident(name, expr_id)


def _decode_select(data: bytes, expr_id: int) -> Node:
    operand: Node = Unsupported("missing operand", expr_id)
    name, test_only = "", False
    for number, _, value in _fields(data):
        if number == 1:
            operand = _decode_expr(value)
        elif number == 2:
            name = value.decode("utf-8")
        elif number == 3:
            test_only = bool(value)
    return Select(operand, name, test_only, expr_id)


def _decode_call(data: bytes, expr_id: int) -> Node:
    target, function, args = None, "", []
    for number, _, value in _fields(data):
        if number == 1:
            target = _decode_expr(value)
        elif number == 2:
            function = value.decode("utf-8")
        elif number == 3:
            args.append(_decode_expr(value))
    return Call(function, tuple(args), target, expr_id)


def _decode_list(data: bytes, expr_id: int) -> Node:
    elements = []
    for number, _, value in _fields(data):
        if number == 1:
            elements.append(_decode_expr(value))
        elif number == 2:
            return Unsupported("optional list element", expr_id)
    return ListLit(tuple(elements), expr_id)


_EXPR_DECODERS = {
    3: _decode_const,
    4: _decode_ident,
    5: _decode_select,
    6: _decode_call,
    7: _decode_list,
    8: lambda _data, expr_id: Unsupported("map or message literal", expr_id),
    9: lambda _data, expr_id: Unsupported("comprehension", expr_id),
}
