"""Tiles: Lanes for several rows of a matrix at once, for the forward pass of many images.

A layer's sums for TILE_ROWS images are a Tile. For each pixel that is not 0 in all of them,
the pixel's row of weights is read once and added to every image's sums, times its value
there (``add_outer``); each image's sums stay in a register of their own, so a Tile of 16
rows takes 16 of AVX-512's 32 registers (4 rows on CPUs with 16, such as AVX2's).
"""

import llvmlite.binding as llvm
import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.extending import intrinsic, models, register_model

from ._lanes import _FLAGS, Lanes, _lanes_of, _splat, _write


class Tile(types.Type):
    """The Numba type of ``rows`` Lanes, one for each of ``rows`` consecutive rows of a matrix."""

    def __init__(self, lanes, rows):
        self.lanes, self.rows = lanes, rows
        super().__init__(name=f"Tile({rows} x {lanes})")


@register_model(Tile)
class _TileModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.ArrayType(dmm.lookup(fe_type.lanes).get_value_type(), fe_type.rows))


def _has_wide_registers():
    """True when the CPU that Numba compiles for has AVX-512's 32 registers of 64 bytes (else a Tile
    is kept to 4 rows): this one, unless NUMBA_CPU_NAME or NUMBA_CPU_FEATURES name another."""
    if numba.config.CPU_FEATURES is not None:
        return "+avx512f" in numba.config.CPU_FEATURES.split(",")
    if numba.config.CPU_NAME is not None and numba.config.CPU_NAME != "host":
        return False  # "generic", say, for a cache that other machines will use
    return bool(llvm.get_host_cpu_features().get("avx512f"))


TILE_ROWS = 16 if _has_wide_registers() else 4


@intrinsic
def tile(typingctx, vector):
    """A Tile of TILE_ROWS rows, each ``vector``."""
    if not isinstance(vector, Lanes):
        raise TypingError(f"a Tile is made of Lanes, not {vector}")
    made = Tile(vector, TILE_ROWS)

    def codegen(context, builder, signature, args):
        result = ir.Constant(context.get_value_type(made), ir.Undefined)
        for r in range(made.rows):
            result = builder.insert_value(result, args[0], r)
        return result
    return made(vector), codegen


@intrinsic
def add_outer(typingctx, sums, array, row, column, vector):
    """sums[r] + array[row + r, column] * vector for each of the Tile's rows r: a column of ``array``
    times a row of weights, added to the sums."""
    if not (isinstance(sums, Tile) and sums.lanes == vector and _lanes_of(array) == vector and array.ndim == 2):
        raise TypingError(f"add_outer needs a Tile, a 2-D array and Lanes alike, not {sums}, {array}, {vector}")

    def codegen(context, builder, signature, args):
        result = args[0]
        start = context.cast(builder, args[2], row, types.intp)
        at = context.cast(builder, args[3], column, types.intp)
        for r in range(sums.rows):
            index = builder.add(start, ir.Constant(start.type, r)) if r else start
            value = _splat(builder, args[4].type, builder.load(_element(context, builder, array, args[1], index, at)))
            total = builder.fadd(builder.extract_value(result, r), builder.fmul(value, args[4], flags=_FLAGS),
                                 flags=_FLAGS)
            result = builder.insert_value(result, total, r)
        return result
    return sums(sums, array, row, column, vector), codegen


@intrinsic
def store_tile(typingctx, array, row, column, count, sums):
    """array[row + r, column:column + count] = sums[r] for each of the Tile's rows r."""
    if not (isinstance(sums, Tile) and _lanes_of(array) == sums.lanes and array.ndim == 2):
        raise TypingError(f"cannot store {sums} into {array}")

    def codegen(context, builder, signature, args):
        start = context.cast(builder, args[1], row, types.intp)
        first = context.cast(builder, args[2], column, types.intp)
        for r in range(sums.rows):
            index = builder.add(start, ir.Constant(start.type, r)) if r else start
            pointer = _element(context, builder, array, args[0], index, first)
            _write(context, builder, pointer, sums.lanes, count, args[3], builder.extract_value(args[4], r))
        return context.get_dummy_value()
    return types.void(array, row, column, count, sums), codegen


def _element(context, builder, array_type, array, row, column):
    """A pointer to array[row, column], from indices already of type intp."""
    made = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer2(context, builder, made.data, cgutils.unpack_tuple(builder, made.shape),
                                     cgutils.unpack_tuple(builder, made.strides), array_type.layout, [row, column])
