"""Lane-by-lane functions on Lanes (``_lanes``) besides + - * /: what the compiled sigmoid, exp,
ReLU and Adam need, and the bits of which lanes are not 0 (for skipping an image's 0s)."""

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from ._lanes import _lanes_like, _mangled, _splat


@intrinsic
def epsilon(typingctx, like):
    """The gap between 1 and the next number in Lanes like ``like`` (1.2e-7 for float32, 2.2e-16 for float64)."""
    lanes = _lanes_like(like)

    def codegen(context, builder, signature, args):
        return context.get_constant(lanes.dtype, 2.0 ** (-23 if lanes.dtype.bitwidth == 32 else -52))
    return lanes.dtype(like), codegen


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


@intrinsic
def at_least(typingctx, a, b):
    """1 in the lanes where a >= b, 0 in the others (a NaN in either included)."""
    def codegen(context, builder, signature, args):
        zero, one = ir.Constant(args[0].type, None), ir.Constant(args[0].type, [1.0] * a.count)
        return builder.select(builder.fcmp_ordered(">=", args[0], args[1]), one, zero)
    return a(a, b), codegen


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
rounded = _unary("roundeven")  # each lane to the nearest whole number, halves to even
