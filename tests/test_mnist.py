import gzip

import numpy as np
import pytest
from conftest import write_idx, write_idx_folder

from digitnet.data.idx import IDXError, parse_idx, read_idx
from digitnet.data.mnist import BUNDLED_DIR, load_mnist, one_hot


def test_the_bundled_mnist_has_60000_training_and_10000_test_digits(mnist):
    train, test = mnist
    assert train.X.shape == (60000, 784) and test.X.shape == (10000, 784)
    assert train.X.dtype == np.float32 and 0 <= train.X.min() and train.X.max() == 1
    assert np.bincount(test.labels).tolist()[:3] == [980, 1135, 1032]
    assert len(train.checksum) == 64


def test_one_hot_puts_a_single_one_at_each_label():
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_a_wrong_magic_number_is_named(tmp_path):
    path = write_idx(tmp_path / "labels", np.arange(5))
    with pytest.raises(IDXError, match="magic number 0x00000801, expected 0x00000803"):
        read_idx(path, ndim=3)


def test_a_truncated_file_says_so(tmp_path):
    path = write_idx(tmp_path / "images", np.zeros((3, 28, 28)))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IDXError, match="truncated"):
        read_idx(path, ndim=3)


def test_a_damaged_gzip_file_says_so(tmp_path):
    path = write_idx(tmp_path / "images.gz", np.zeros((3, 28, 28)), compress=True)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(IDXError, match="damaged or truncated gzip"):
        read_idx(path, ndim=3)


def test_a_checksum_that_does_not_match_is_refused(tmp_path):
    path = write_idx(tmp_path / "labels", np.arange(5))
    with pytest.raises(IDXError, match="not the published"):
        read_idx(path, ndim=1, md5="0" * 32)


def test_a_header_too_short_is_refused():
    with pytest.raises(IDXError, match="too short"):
        parse_idx(b"\x00\x00", "x", 1)


def test_the_bundled_files_are_checked_against_the_published_md5(tmp_path, monkeypatch):
    import digitnet.data.mnist as mnist_module

    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        (tmp_path / name).write_bytes((BUNDLED_DIR / name).read_bytes())
    labels = gzip.decompress((BUNDLED_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes())
    labels = labels[:-1] + bytes([(labels[-1] + 1) % 10])  # one label changed
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    monkeypatch.setattr(mnist_module, "BUNDLED_DIR", tmp_path)
    with pytest.raises(IDXError, match="t10k-labels-idx1-ubyte.gz has MD5 .* not the published"):
        load_mnist()


def test_another_folder_of_idx_files_loads_the_same_way(tmp_path):
    rng = np.random.default_rng(0)
    folder = write_idx_folder(tmp_path / "fashion", rng.integers(0, 256, (30, 28, 28)), rng.integers(0, 10, 30),
                              rng.integers(0, 256, (7, 28, 28)), np.arange(7))
    train, test = load_mnist(folder)
    assert train.X.shape == (30, 784) and test.labels.tolist() == list(range(7))
    assert train.n_classes == 10


def test_a_folder_with_a_missing_file_names_it(tmp_path):
    rng = np.random.default_rng(0)
    folder = write_idx_folder(tmp_path / "d", rng.integers(0, 256, (3, 28, 28)), np.arange(3),
                              rng.integers(0, 256, (2, 28, 28)), np.arange(2))
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(IDXError, match="no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz"):
        load_mnist(folder)


def test_images_and_labels_that_do_not_pair_up_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    folder = write_idx_folder(tmp_path / "d", rng.integers(0, 256, (3, 28, 28)), np.arange(4),
                              rng.integers(0, 256, (2, 28, 28)), np.arange(2))
    with pytest.raises(IDXError, match="the train set has 3 images but 4 labels"):
        load_mnist(folder)


def test_md5sums_in_a_folder_are_checked(tmp_path):
    rng = np.random.default_rng(0)
    folder = write_idx_folder(tmp_path / "d", rng.integers(0, 256, (3, 28, 28)), np.arange(3),
                              rng.integers(0, 256, (2, 28, 28)), np.arange(2))
    (folder / "MD5SUMS").write_text("0123456789abcdef0123456789abcdef  train-labels-idx1-ubyte\n")
    with pytest.raises(IDXError, match="train-labels-idx1-ubyte has MD5"):
        load_mnist(folder)


def test_a_data_folder_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(IDXError, match="does not exist or is not a folder"):
        load_mnist(tmp_path / "nope")


def test_the_test_set_alone_can_be_read(mnist):
    (test,) = load_mnist(parts=("test",))
    assert np.array_equal(test.X, mnist[1].X) and test.n_classes == 10


def test_an_empty_set_is_refused(tmp_path):
    folder = write_idx_folder(tmp_path / "d", np.zeros((3, 28, 28)), np.arange(3),
                              np.zeros((0, 28, 28)), np.zeros(0))
    with pytest.raises(IDXError, match="the test set in .* has no images"):
        load_mnist(folder)


def test_md5sums_that_are_not_text_are_refused(tmp_path):
    folder = write_idx_folder(tmp_path / "d", np.zeros((3, 28, 28)), np.arange(3),
                              np.zeros((2, 28, 28)), np.arange(2))
    (folder / "MD5SUMS").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(IDXError, match="MD5SUMS is not a readable text file"):
        load_mnist(folder)


def test_a_gzip_bomb_is_refused_by_its_header_before_it_is_unpacked(tmp_path):
    import struct
    import tracemalloc

    path = tmp_path / "images.gz"  # 2 MB whose header promises 2.8 million images (2.2 GB)
    with gzip.open(path, "wb") as file:
        file.write(struct.pack(">HBBIII", 0, 8, 3, 2_800_000, 28, 28))
        for _ in range(64):
            file.write(bytes(32 * 2**20))
    tracemalloc.start()
    with pytest.raises(IDXError, match=r"images\.gz has a header that promises 2,195,200,016 bytes, more than the "
                                       r"1,073,741,824 an IDX file may hold"):
        read_idx(path, ndim=3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * path.stat().st_size  # the file read (and copies of its tail), nothing of the 2.2 GB unpacked


def test_a_gzip_file_that_unpacks_past_its_header_is_refused_without_unpacking_the_rest(tmp_path):
    data = write_idx(tmp_path / "labels", np.arange(6)).read_bytes()
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(data + bytes(50 * 2**20)))  # 14 bytes promised, 50 MB more packed
    with pytest.raises(IDXError, match=r"labels\.gz unpacks to more than the 14 bytes its header promises"):
        read_idx(path, ndim=1)


def test_a_header_that_promises_more_than_deflate_could_pack_is_refused_as_truncated(tmp_path):
    data = write_idx(tmp_path / "images", np.zeros((2000, 28, 28))).read_bytes()
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(data)[:200])  # 1.5 MB promised in 200 bytes
    with pytest.raises(IDXError, match=r"images\.gz has a header that promises 1,568,016 bytes, more than a gzip "
                                       r"file of 200 bytes can hold: the file is truncated"):
        read_idx(path, ndim=3)


def test_a_file_bigger_than_an_idx_file_may_be_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import digitnet.data.idx as idx

    monkeypatch.setattr(idx, "MAX_BYTES", 1000)
    path = write_idx(tmp_path / "images", np.zeros((2, 28, 28)))
    with pytest.raises(IDXError, match=r"images is 1,584 bytes, more than the 1,000 an IDX file may hold"):
        read_idx(path, ndim=3)


@pytest.mark.parametrize("shape", [(0, 2**32 - 1, 2**32 - 1), (2**32 - 1, 2**32 - 1, 2**32 - 1)])
def test_a_header_claiming_huge_dimensions_is_refused_without_allocating(shape):
    data = bytes([0, 0, 8, 3]) + b"".join(side.to_bytes(4, "big") for side in shape)
    with pytest.raises(IDXError, match=r"x has a header \(\d+, 4294967295, 4294967295\) of more than the "
                                       r"1,073,741,824 bytes an IDX file may hold"):
        parse_idx(data, "x", 3)


def test_a_file_of_several_gzip_members_reads_like_one(tmp_path):
    data = write_idx(tmp_path / "labels", np.arange(6)).read_bytes()
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(data[:7]) + gzip.compress(data[7:]))
    assert read_idx(path, ndim=1).tolist() == list(range(6))


def test_a_gzip_file_with_trailing_garbage_is_damaged(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.arange(6), compress=True)
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(IDXError, match=r"labels\.gz is a damaged or truncated gzip file; copy it again"):
        read_idx(path, ndim=1)


def test_an_idx_file_of_another_type_code_is_named(tmp_path):
    path = tmp_path / "floats"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + (2).to_bytes(4, "big") + bytes(8))
    with pytest.raises(IDXError, match="floats has magic number 0x00000d01, expected 0x00000801: it is not an IDX "
                                       "file of 1-dimensional unsigned bytes"):
        read_idx(path, ndim=1)


def test_a_file_too_long_for_its_header_says_so(tmp_path):
    path = write_idx(tmp_path / "labels", np.arange(5))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(IDXError, match=r"labels holds 14 bytes but its header \(5,\) says 13: the file is too long"):
        read_idx(path, ndim=1)
