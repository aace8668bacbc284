"""Lanes: 64 bytes of numbers (16 float32, 8 float64) that compiled loops add and multiply as one.

The first layer's work on a sparse image is, for each non-zero pixel i, "add pixel i's value
times row i of the weights" to the 16 sums of the layer's neurons. A CPU with AVX-512 does
that in one instruction. Written as a loop over the 16 neurons, Numba's compiler (LLVM) does
not see it: it does not know the rows are 16 long or that they do not overlap the sums, and
an epoch's sparse forward pass took 8 cycles a pixel. With Lanes the loop says what it means:

    total = splat(0, w)
    for k in range(first, last):
        total += splat(values[k], w) * load(w, (columns[k], j))   # w[columns[k], j:j + width(w)]
    store(z, (e, j), total)

``load`` and ``store`` read and write ``width(a)`` consecutive numbers of a C-contiguous array
from an index (a number for 1-D arrays, a tuple for 2-D); ``splat`` is one number in every
lane; ``+``, ``-``, ``*`` and ``/`` work lane by lane. LLVM turns these into the machine's widest
vectors: one AVX-512 register, two AVX ones, four SSE ones.

They are built with Numba's documented extension API (a type, its data model and
intrinsics that emit LLVM IR); this module imports Numba, so only ``_kernels`` imports it.
"""

import operator

import llvmlite.binding as llvm
import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.extending import intrinsic, lower_builtin, models, register_model, type_callable

BYTES = 64
# as _kernels' fastmath: sums may be reordered and fused, but inf and NaN keep their meaning
_FLAGS = ("reassoc", "contract", "nsz", "arcp")


class Lanes(types.Type):
    """The Numba type of BYTES bytes of ``dtype`` numbers, held in one vector register (or several)."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.count = BYTES // (dtype.bitwidth // 8)
        super().__init__(name=f"Lanes({dtype} x {self.count})")


class Tile(types.Type):
    """The Numba type of ``rows`` Lanes, one for each of ``rows`` consecutive rows of a matrix."""

    def __init__(self, lanes, rows):
        self.lanes, self.rows = lanes, rows
        super().__init__(name=f"Tile({rows} x {lanes})")


@register_model(Tile)
class _TileModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.ArrayType(dmm.lookup(fe_type.lanes).get_value_type(), fe_type.rows))


@register_model(Lanes)
class _LanesModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        element = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(element, fe_type.count))


def _lanes_of(array):
    """The Lanes type that an array's rows are read as; only C-contiguous float arrays have them."""
    if not (isinstance(array, types.Array) and isinstance(array.dtype, types.Float) and array.layout == "C"):
        raise TypingError(f"Lanes need a C-contiguous float array, not {array}")
    return Lanes(array.dtype)


def _indices(index):
    if isinstance(index, types.Integer):
        return [index]
    if isinstance(index, types.BaseTuple) and all(isinstance(i, types.Integer) for i in index):
        return list(index)
    raise TypingError(f"a Lanes index is a number or a tuple of numbers, not {index}")


def _pointer(context, builder, array_type, array, index_type, index):
    """A pointer to array[index] (no bounds check: the kernels stay inside)."""
    index_types = _indices(index_type)
    values = [index] if len(index_types) == 1 else cgutils.unpack_tuple(builder, index)
    values = [context.cast(builder, v, t, types.intp) for v, t in zip(values, index_types)]
    made = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer2(context, builder, made.data, cgutils.unpack_tuple(builder, made.shape),
                                     cgutils.unpack_tuple(builder, made.strides), array_type.layout, values)


def _splat(builder, vector_type, number):
    first = builder.insert_element(ir.Constant(vector_type, ir.Undefined), number, ir.Constant(ir.IntType(32), 0))
    everywhere = ir.Constant(ir.VectorType(ir.IntType(32), vector_type.count), [0] * vector_type.count)
    return builder.shuffle_vector(first, ir.Constant(vector_type, ir.Undefined), everywhere)


def _first(context, builder, count_type, count, lanes):
    """The mask of the first ``count`` lanes (all of them when count >= the width)."""
    count = context.cast(builder, count, count_type, types.intp)
    positions = ir.Constant(ir.VectorType(count.type, lanes.count), list(range(lanes.count)))
    return builder.icmp_signed("<", positions, _splat(builder, positions.type, count))


def _whole(context, builder, count_type, count, lanes):
    """True when ``count`` covers every lane: a plain load or store then does, which the CPU can pass
    straight from a store to the next load of the same numbers (it cannot from a masked store)."""
    count = context.cast(builder, count, count_type, types.intp)
    return builder.icmp_signed(">=", count, ir.Constant(count.type, lanes.count))


def _masked(builder, name, vector_type, pointer_type):
    mask_type = ir.VectorType(ir.IntType(1), vector_type.count)
    if name == "load":
        signature = ir.FunctionType(vector_type, [pointer_type, ir.IntType(32), mask_type, vector_type])
    else:
        signature = ir.FunctionType(ir.VoidType(), [vector_type, pointer_type, ir.IntType(32), mask_type])
    return cgutils.get_or_insert_function(builder.module, signature,
                                          f"llvm.masked.{name}.{_mangled(vector_type)}.p0")


def _mangled(vector_type):
    """How LLVM's intrinsics name a vector type: v16f32 for 16 float32."""
    return f"v{vector_type.count}f{32 if isinstance(vector_type.element, ir.FloatType) else 64}"


def _check(array, index, count):
    lanes = _lanes_of(array)
    if len(_indices(index)) != array.ndim:
        raise TypingError(f"a {array.ndim}-D array needs {array.ndim} indices, not {index}")
    if not isinstance(count, types.Integer):
        raise TypingError(f"a count of lanes is a number, not {count}")
    return lanes


@intrinsic
def load(typingctx, array, index, count):
    """array[index] and the numbers after it along the last axis, ``count`` of them (at most the width),
    as Lanes; the lanes after those are 0 and nothing past them is read."""
    lanes = _check(array, index, count)

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, array, args[0], index, args[1])
        vector_type = context.get_value_type(lanes)
        alignment = array.dtype.bitwidth // 8
        whole = _whole(context, builder, count, args[2], lanes)
        with builder.if_else(whole, likely=True) as (all_lanes, some_lanes):
            with all_lanes:
                plain = builder.load(builder.bitcast(pointer, vector_type.as_pointer()), align=alignment)
                plain_block = builder.block
            with some_lanes:
                read = _masked(builder, "load", vector_type, pointer.type)
                mask = _first(context, builder, count, args[2], lanes)
                masked = builder.call(read, [pointer, ir.Constant(ir.IntType(32), alignment), mask,
                                             ir.Constant(vector_type, None)])
                masked_block = builder.block
        result = builder.phi(vector_type)
        result.add_incoming(plain, plain_block)
        result.add_incoming(masked, masked_block)
        return result
    return lanes(array, index, count), codegen


@intrinsic
def store(typingctx, array, index, count, vector):
    """Write the first ``count`` lanes of vector to array[index] and the numbers after it."""
    lanes = _check(array, index, count)
    if vector != lanes:
        raise TypingError(f"cannot store {vector} into {array}")

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, array, args[0], index, args[1])
        vector_type = context.get_value_type(lanes)
        alignment = array.dtype.bitwidth // 8
        whole = _whole(context, builder, count, args[2], lanes)
        with builder.if_else(whole, likely=True) as (all_lanes, some_lanes):
            with all_lanes:
                builder.store(args[3], builder.bitcast(pointer, vector_type.as_pointer()), align=alignment)
            with some_lanes:
                write = _masked(builder, "store", vector_type, pointer.type)
                builder.call(write, [args[3], pointer, ir.Constant(ir.IntType(32), alignment),
                                     _first(context, builder, count, args[2], lanes)])
        return context.get_dummy_value()
    return types.void(array, index, count, vector), codegen


def _lanes_like(like):
    return like if isinstance(like, Lanes) else _lanes_of(like)


@intrinsic
def splat(typingctx, value, like):
    """Lanes like ``like`` (Lanes, or an array whose dtype they take), each ``value``."""
    lanes = _lanes_like(like)

    def codegen(context, builder, signature, args):
        return _splat(builder, context.get_value_type(lanes), context.cast(builder, args[0], value, lanes.dtype))
    return lanes(value, like), codegen


@intrinsic
def width(typingctx, like):
    """How many numbers Lanes like ``like`` hold (a constant: 16 for float32)."""
    lanes = _lanes_like(like)

    def codegen(context, builder, signature, args):
        return context.get_constant(types.intp, lanes.count)
    return types.intp(like), codegen


@intrinsic
def epsilon(typingctx, like):
    """The gap between 1 and the next number in Lanes like ``like`` (1.2e-7 for float32, 2.2e-16 for float64)."""
    lanes = _lanes_like(like)

    def codegen(context, builder, signature, args):
        return context.get_constant(lanes.dtype, 2.0 ** (-23 if lanes.dtype.bitwidth == 32 else -52))
    return lanes.dtype(like), codegen


@intrinsic
def total(typingctx, vector):
    """The sum of the lanes, in any order."""
    if not isinstance(vector, Lanes):
        raise TypingError(f"total needs Lanes, not {vector}")

    def codegen(context, builder, signature, args):
        element = context.get_value_type(vector.dtype)
        add = cgutils.get_or_insert_function(builder.module, ir.FunctionType(element, [element, args[0].type]),
                                             f"llvm.vector.reduce.fadd.{_mangled(args[0].type)}")
        return builder.call(add, [ir.Constant(element, 0.0), args[0]], fastmath=_FLAGS)
    return vector.dtype(vector), codegen


@intrinsic
def rounded(typingctx, vector):
    """Each lane rounded to the nearest whole number (halves to even)."""
    def codegen(context, builder, signature, args):
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(args[0].type, [args[0].type]),
                                                  f"llvm.roundeven.{_mangled(args[0].type)}")
        return builder.call(function, [args[0]])
    return vector(vector), codegen


@intrinsic
def power_of_two(typingctx, vector):
    """2 ** n for each lane n, a whole number in the dtype's normal range (-126..127 for float32)."""
    def codegen(context, builder, signature, args):
        vector_type = args[0].type
        bits = vector.dtype.bitwidth
        mantissa, bias = (23, 127) if bits == 32 else (52, 1023)
        integer_type = ir.VectorType(ir.IntType(bits), vector_type.count)
        n = builder.fptosi(args[0], integer_type)
        biased = builder.add(n, _splat(builder, integer_type, ir.Constant(ir.IntType(bits), bias)))
        shifted = builder.shl(biased, _splat(builder, integer_type, ir.Constant(ir.IntType(bits), mantissa)))
        return builder.bitcast(shifted, vector_type)
    return vector(vector), codegen


@intrinsic
def above_zero(typingctx, vector):
    """1 in the lanes above 0, 0 in the others (NaN included: as NumPy's z > 0)."""
    def codegen(context, builder, signature, args):
        zero, one = ir.Constant(args[0].type, None), ir.Constant(args[0].type, [1.0] * vector.count)
        return builder.select(builder.fcmp_ordered(">", args[0], zero), one, zero)
    return vector(vector), codegen


@intrinsic
def item(typingctx, array, index):
    """array[index], for an index that is not negative (not counted from the end, as Python allows).

    Numba's own array[index] checks for a negative index each time; in the loops over an
    image's pixels those checks cost as much as the arithmetic."""
    _indices(index)

    def codegen(context, builder, signature, args):
        return builder.load(_pointer(context, builder, array, args[0], index, args[1]))
    return array.dtype(array, index), codegen


@intrinsic
def nonzero_lanes(typingctx, vector):
    """A number whose bit k is 1 where lane k is not 0 (a NaN counts as not 0)."""
    def codegen(context, builder, signature, args):
        bits = builder.fcmp_unordered("!=", args[0], ir.Constant(args[0].type, None))
        return builder.zext(builder.bitcast(bits, ir.IntType(vector.count)), ir.IntType(64))
    return types.int64(vector), codegen


@intrinsic
def bit_count(typingctx, number):
    """How many bits of a number are 1."""
    def codegen(context, builder, signature, args):
        count = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), [ir.IntType(64)]),
                                               "llvm.ctpop.i64")
        return builder.call(count, [context.cast(builder, args[0], number, types.int64)])
    return types.int64(number), codegen


@intrinsic
def lowest_bit(typingctx, number):
    """The position of the lowest bit that is 1 in a number that is not 0 (as bits.trailing_zeros)."""
    def codegen(context, builder, signature, args):
        count = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)]), "llvm.cttz.i64")
        return builder.call(count, [context.cast(builder, args[0], number, types.int64), ir.Constant(ir.IntType(1), 1)])
    return types.int64(number), codegen


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
        whole = _whole(context, builder, count, args[3], sums.lanes)
        mask = _first(context, builder, count, args[3], sums.lanes)
        vector_type = context.get_value_type(sums.lanes)
        alignment = array.dtype.bitwidth // 8
        for r in range(sums.rows):
            index = builder.add(start, ir.Constant(start.type, r)) if r else start
            pointer = _element(context, builder, array, args[0], index, first)
            vector = builder.extract_value(args[4], r)
            with builder.if_else(whole, likely=True) as (all_lanes, some_lanes):
                with all_lanes:
                    builder.store(vector, builder.bitcast(pointer, vector_type.as_pointer()), align=alignment)
                with some_lanes:
                    write = _masked(builder, "store", vector_type, pointer.type)
                    builder.call(write, [vector, pointer, ir.Constant(ir.IntType(32), alignment), mask])
        return context.get_dummy_value()
    return types.void(array, row, column, count, sums), codegen


def _element(context, builder, array_type, array, row, column):
    """A pointer to array[row, column], from indices already of type intp."""
    made = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer2(context, builder, made.data, cgutils.unpack_tuple(builder, made.shape),
                                     cgutils.unpack_tuple(builder, made.strides), array_type.layout, [row, column])


@intrinsic
def at_least(typingctx, a, b):
    """1 in the lanes where a >= b, 0 in the others (a NaN in either included)."""
    def codegen(context, builder, signature, args):
        zero, one = ir.Constant(args[0].type, None), ir.Constant(args[0].type, [1.0] * a.count)
        return builder.select(builder.fcmp_ordered(">=", args[0], args[1]), one, zero)
    return a(a, b), codegen


def _unary(name):
    """An intrinsic applying LLVM's llvm.NAME to each lane."""
    @intrinsic
    def lane_by_lane(typingctx, vector):
        def codegen(context, builder, signature, args):
            function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(args[0].type, [args[0].type]),
                                                      f"llvm.{name}.{_mangled(args[0].type)}")
            return builder.call(function, [args[0]])
        return vector(vector), codegen
    return lane_by_lane


square_root, magnitude = _unary("sqrt"), _unary("fabs")


@intrinsic
def one_hot(typingctx, lane, like):
    """Lanes like ``like``, 1 in lane number ``lane`` and 0 in the others (all 0 if there is no such lane)."""
    lanes = _lanes_like(like)

    def codegen(context, builder, signature, args):
        vector_type = context.get_value_type(lanes)
        number = context.cast(builder, args[0], lane, types.intp)
        positions = ir.Constant(ir.VectorType(number.type, lanes.count), list(range(lanes.count)))
        hit = builder.icmp_signed("==", positions, _splat(builder, positions.type, number))
        return builder.select(hit, ir.Constant(vector_type, [1.0] * lanes.count), ir.Constant(vector_type, None))
    return lanes(lane, like), codegen


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to fetch array[index] into its cache, for a read soon."""
    _indices(index)

    def codegen(context, builder, signature, args):
        pointer = builder.bitcast(_pointer(context, builder, array, args[0], index, args[1]), cgutils.voidptr_t)
        fetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [pointer.type] + [ir.IntType(32)] * 3), "llvm.prefetch.p0")
        builder.call(fetch, [pointer] + [ir.Constant(ir.IntType(32), n) for n in (0, 3, 1)])  # read, keep, data
        return context.get_dummy_value()
    return types.void(array, index), codegen


@intrinsic
def maximum(typingctx, a, b):
    """The larger of a and b, lane by lane (a where either is NaN, as np.maximum keeps a NaN)."""
    def codegen(context, builder, signature, args):
        return builder.select(builder.fcmp_unordered(">", args[0], args[1]), args[0], args[1])
    return a(a, b), codegen


@intrinsic
def minimum(typingctx, a, b):
    """The smaller of a and b, lane by lane (a where either is NaN)."""
    def codegen(context, builder, signature, args):
        return builder.select(builder.fcmp_unordered("<", args[0], args[1]), args[0], args[1])
    return a(a, b), codegen


# +, -, * and / of two Lanes: typed by type_callable and written straight into the caller's IR
# by lower_builtin (an @overload would compile each into a function of its own)
_OPERATORS = {operator.add: "fadd", operator.iadd: "fadd", operator.sub: "fsub", operator.isub: "fsub",
              operator.mul: "fmul", operator.imul: "fmul", operator.truediv: "fdiv"}


def _lanes_operator(function, instruction):
    @type_callable(function)
    def typer(context):
        def result(a, b):
            return a if isinstance(a, Lanes) and a == b else None
        return result

    @lower_builtin(function, Lanes, Lanes)
    def lower(context, builder, signature, args):
        return getattr(builder, instruction)(args[0], args[1], flags=_FLAGS)


for _function, _instruction in _OPERATORS.items():
    _lanes_operator(_function, _instruction)
