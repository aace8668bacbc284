"""Lanes: 64 bytes of numbers (16 float32, 8 float64) that compiled loops add and multiply as one.

The first layer's work on a sparse image is, for each non-zero pixel i, "add pixel i's value
times row i of the weights" to the 16 sums of the layer's neurons. A CPU with AVX-512 does
that in one instruction. Written as a loop over the 16 neurons, Numba's compiler (LLVM) does
not see it: it does not know the rows are 16 long or that they do not overlap the sums, and
keeps them in memory, a number at a time (the README's Speed section gives the figures). With
Lanes the loop says what it means:

    total = splat(0, w)
    for k in range(first, last):
        total += splat(values[k], w) * load(w, (columns[k], j), count)   # w[columns[k], j:j + count]
    store(z, (e, j), count, total)

``load`` and ``store`` read and write ``count`` consecutive numbers (at most ``width(a)``) of a
C-contiguous array from an index (a number for 1-D arrays, a tuple for 2-D): the last Lanes of
a layer of 10 neurons hold 10 (the CPU's masked loads and stores leave the rest alone).
``splat`` is one number in every lane; ``+``, ``-``, ``*`` and ``/`` work lane by lane; ``total``
adds the lanes up. LLVM turns these into the machine's widest vectors: one AVX-512 register,
two AVX ones, four SSE ones. ``_lane_math`` has the other functions the kernels need (for exp,
ReLU, Adam), and ``_tiles`` the Tiles that hold several images' Lanes at once.

They are built with Numba's documented extension API (a type, its data model, intrinsics
that emit LLVM IR, and lowerings for the operators); this module imports Numba, so only the
compiled loops (``_kernels``) import it.
"""

import operator

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


def _read(context, builder, pointer, lanes, count_type, count):
    """The Lanes at ``pointer``: a plain load when ``count`` covers them all, else a masked one."""
    vector_type = context.get_value_type(lanes)
    alignment = lanes.dtype.bitwidth // 8
    with builder.if_else(_whole(context, builder, count_type, count, lanes), likely=True) as (every, some):
        with every:
            plain = builder.load(builder.bitcast(pointer, vector_type.as_pointer()), align=alignment)
            plain_block = builder.block
        with some:
            read = _masked(builder, "load", vector_type, pointer.type)
            masked = builder.call(read, [pointer, ir.Constant(ir.IntType(32), alignment),
                                         _first(context, builder, count_type, count, lanes),
                                         ir.Constant(vector_type, None)])
            masked_block = builder.block
    result = builder.phi(vector_type)
    result.add_incoming(plain, plain_block)
    result.add_incoming(masked, masked_block)
    return result


def _write(context, builder, pointer, lanes, count_type, count, vector):
    """Store the first ``count`` lanes of ``vector`` at ``pointer``: plainly when that is all of them."""
    vector_type = context.get_value_type(lanes)
    alignment = lanes.dtype.bitwidth // 8
    with builder.if_else(_whole(context, builder, count_type, count, lanes), likely=True) as (every, some):
        with every:
            builder.store(vector, builder.bitcast(pointer, vector_type.as_pointer()), align=alignment)
        with some:
            write = _masked(builder, "store", vector_type, pointer.type)
            builder.call(write, [vector, pointer, ir.Constant(ir.IntType(32), alignment),
                                 _first(context, builder, count_type, count, lanes)])


@intrinsic
def load(typingctx, array, index, count):
    """array[index] and the numbers after it along the last axis, ``count`` of them (at most the width),
    as Lanes; the lanes after those are 0 and nothing past them is read."""
    lanes = _check(array, index, count)

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, array, args[0], index, args[1])
        return _read(context, builder, pointer, lanes, count, args[2])
    return lanes(array, index, count), codegen


@intrinsic
def store(typingctx, array, index, count, vector):
    """Write the first ``count`` lanes of vector to array[index] and the numbers after it."""
    lanes = _check(array, index, count)
    if vector != lanes:
        raise TypingError(f"cannot store {vector} into {array}")

    def codegen(context, builder, signature, args):
        pointer = _pointer(context, builder, array, args[0], index, args[1])
        _write(context, builder, pointer, lanes, count, args[2], args[3])
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
def item(typingctx, array, index):
    """array[index], for an index that is not negative (not counted from the end, as Python allows).

    Numba's own array[index] checks for a negative index each time; in the loops over an
    image's pixels those checks cost as much as the arithmetic."""
    _indices(index)

    def codegen(context, builder, signature, args):
        return builder.load(_pointer(context, builder, array, args[0], index, args[1]))
    return array.dtype(array, index), codegen



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
