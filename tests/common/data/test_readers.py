"""The real data set readers on tiny files written in each data set's own format and layout:
counts (and the warning when they differ from the paper's), shapes, value scaling, the
disparity-to-depth arithmetic checked by hand, and one clear error per kind of bad input."""

import cv2
import h5py
import numpy as np
import pytest
from scipy import io

from common.config.schema import DataConfig
from common.data.loaders import make_loader, validation_indices
from common.data.make3d import Make3D
from common.data.middlebury import Middlebury, load_scene
from common.data.nyu import NYUDepthV2
from common.data.pfm import write_pfm
from common.data.sceneflow import SceneFlow
from common.data.synthetic import generate_scene
from common.data.synthetic_monocular import write_make3d_tree, write_nyu_files
from common.errors import DatasetError


def _png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), array[..., ::-1] if array.ndim == 3 else array)


def _pfm(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_pfm(path, array)


def _rgb(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


# Scene Flow ------------------------------------------------------------------------------------

SCENEFLOW_VIEWS = {
    "train": [
        "FlyingThings3D/{kind}/TRAIN/A/0000/{view}/0006",
        "Monkaa/{kind}/a_rain_of_stones_x2/{view}/0000",
        "Driving/{kind}/15mm_focallength/scene_forwards/fast/{view}/0001",
    ],
    "test": ["FlyingThings3D/{kind}/TEST/A/0000/{view}/0006"],
}


@pytest.fixture
def sceneflow_root(tmp_path):
    for split, templates in SCENEFLOW_VIEWS.items():
        for template in templates:
            for view in ("left", "right"):
                _png(tmp_path / (template.format(kind="frames_cleanpass", view=view) + ".png"), _rgb(20, 24))
                disparity = np.full((20, 24), 10.0, np.float32)
                disparity[10, 12] = 40.0
                _pfm(tmp_path / (template.format(kind="disparity", view=view) + ".pfm"), disparity)
    return tmp_path


def test_sceneflow_split_scaling_and_crop(sceneflow_root, capsys):
    sceneflow = SceneFlow(sceneflow_root)
    assert len(sceneflow.items("train")) == 6 and len(sceneflow.items("test")) == 2
    assert "6 Scene Flow train views, the paper's split has 70908" in capsys.readouterr().err
    image, depth = sceneflow.load(sceneflow.items("test")[0], (16, 24))
    assert image.shape == (16, 24, 3) and depth.shape == (16, 24)
    expected_image = cv2.imread(str(sceneflow.items("test")[0][0]))[2:18, :, ::-1] / 255.0
    np.testing.assert_allclose(image, expected_image, atol=1e-6)
    # round(255 * 10 / 40) = 64 everywhere, 255 at the nearest point (row 10 - 2 after the crop)
    assert depth[8, 12] == 1.0 and np.all(np.delete(depth.ravel(), 8 * 24 + 12) == np.float32(64 / 255))
    _, unrounded = SceneFlow(sceneflow_root, depth_format="float").load(sceneflow.items("test")[0], (16, 24))
    assert unrounded[8, 12] == 1.0 and unrounded[0, 0] == np.float32(0.25)


def test_sceneflow_source_gives_corrupted_enhancement_samples(sceneflow_root):
    data = DataConfig(dataset="sceneflow", root=str(sceneflow_root), image_size=[16, 24], val_size=2)
    length, load = make_loader(data, "train", "enhancement")
    sample = load(0)
    assert length == 4 and set(sample) == {"image", "depth", "target", "error_mask"}
    assert sample["target"].shape == (16, 24, 1)


def test_the_validation_split_is_held_out_of_the_training_files(sceneflow_root):
    """Of the 6 training views, val_size = 2 evenly spaced ones (0 and 3) validate and the other 4
    train: together the 6 views, none twice."""
    for index, (_, disparity_path) in enumerate(SceneFlow(sceneflow_root).items("train")):
        disparity = np.full((20, 24), 10.0, np.float32)
        disparity[10, 12] = 40.0 + index  # each view its own depth: 64, 62, 61, 59, 58, 57 grey levels
        _pfm(disparity_path, disparity)
    data = DataConfig(dataset="sceneflow", root=str(sceneflow_root), image_size=[16, 24], val_size=2)
    assert validation_indices(6, 2) == [0, 3]
    assert validation_indices(6, 32) == [0, 1, 2, 3, 4]  # training keeps one
    targets = []
    for split, expected in (("train", 4), ("val", 2)):
        length, load = make_loader(data, split, "enhancement")
        assert length == expected
        targets += [load(index)["target"].tobytes() for index in range(length)]
    assert len(set(targets)) == 6


def test_sceneflow_errors_name_the_path(sceneflow_root, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(DatasetError, match=f"dataset not found at {empty}"):
        SceneFlow(empty)
    frame = sceneflow_root / "Monkaa/frames_cleanpass/a_rain_of_stones_x2/left/0000.png"
    frame.unlink()
    with pytest.raises(DatasetError, match=f"{frame}: missing"):
        SceneFlow(sceneflow_root).items("train")


# NYU Depth v2 ----------------------------------------------------------------------------------


@pytest.fixture
def nyu_root(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 16, 24, 3), dtype=np.uint8)  # [N, H, W, 3]
    depths = rng.uniform(0.5, 9.0, (5, 16, 24)).astype(np.float32)  # [N, H, W]
    with h5py.File(tmp_path / "nyu_depth_v2_labeled.mat", "w") as handle:  # MATLAB's column-major order
        handle["images"] = np.transpose(images, (0, 3, 2, 1))  # [N, 3, W, H]
        handle["depths"] = np.transpose(depths, (0, 2, 1))  # [N, W, H]
    io.savemat(tmp_path / "splits.mat", {"trainNdxs": np.array([[1], [2], [3]]), "testNdxs": np.array([[4], [5]])})
    return tmp_path, images, depths


def test_nyu_transposes_splits_and_resizes(nyu_root, capsys):
    root, images, depths = nyu_root
    nyu = NYUDepthV2(root)
    assert list(nyu.items("train")) == [0, 1, 2] and list(nyu.items("test")) == [3, 4]
    assert "3 train images, the paper's split has 795" in capsys.readouterr().err
    image, depth = nyu.read(3)
    np.testing.assert_array_equal(image, images[3])
    np.testing.assert_array_equal(depth, depths[3])
    data = DataConfig(dataset="nyu", root=str(root), image_size=[8, 12])
    length, load = make_loader(data, "test", "monocular")
    sample = load(1)  # labeled image 5
    assert length == 2 and sample["image"].shape == (8, 12, 3)
    np.testing.assert_array_equal(sample["target"][..., 0], depths[4][::2, ::2])
    np.testing.assert_allclose(sample["image"][0, 0], images[4][:2, :2].reshape(-1, 3).mean(0) / 255.0, atol=1 / 255)
    # for FCRN's protocol the sample also holds the ground truth at the original size
    original = make_loader(data, "test", "monocular", original=True)[1](1)
    for key in sample:
        np.testing.assert_array_equal(original[key], sample[key])
    np.testing.assert_array_equal(original["original_target"][..., 0], depths[4])
    assert original["original_valid"].shape == (*depths[4].shape, 1) and original["original_valid"].all()


def test_nyu_bad_files(tmp_path, nyu_root):
    with pytest.raises(DatasetError, match="dataset not found at .*nyu_depth_v2_labeled.mat"):
        NYUDepthV2(tmp_path / "nowhere")
    root, _, _ = nyu_root
    (root / "nyu_depth_v2_labeled.mat").write_text("not hdf5")
    with pytest.raises(DatasetError, match="nyu_depth_v2_labeled.mat: not a MATLAB v7.3"):
        NYUDepthV2(root)
    with h5py.File(root / "nyu_depth_v2_labeled.mat", "w") as handle:
        handle["images"] = np.zeros((2, 3, 4, 3), np.uint8)
        handle["depths"] = np.zeros((2, 5, 5), np.float32)
    with pytest.raises(DatasetError, match=r"expected images \[N, 3, W, H\]"):
        NYUDepthV2(root)


# Make3D ----------------------------------------------------------------------------------------


@pytest.fixture
def make3d_root(tmp_path):
    rng = np.random.default_rng(1)
    for image_dir, depth_dir, names in (
        ("Train400Img", "Train400Depth", ["a", "b"]),
        ("Test134Img", "Test134Depth", ["c"]),
    ):
        for name in names:
            _png(tmp_path / image_dir / f"img-{name}.jpg", _rgb(22, 14, seed=len(name)))
            grid = rng.uniform(1, 80, (11, 7, 4))
            (tmp_path / depth_dir).mkdir(exist_ok=True)
            io.savemat(tmp_path / depth_dir / f"depth_sph_corr-{name}.mat", {"Position3DGrid": grid})
    return tmp_path


def test_make3d_pairs_depth_channel_and_resize(make3d_root, capsys):
    make3d = Make3D(make3d_root)
    assert [p[0].name for p in make3d.items("train")] == ["img-a.jpg", "img-b.jpg"]
    test_items = make3d.items("test")
    assert "1 test images, the paper's split has 134" in capsys.readouterr().err
    image, depth = make3d.read(test_items[0])
    grid = io.loadmat(make3d_root / "Test134Depth/depth_sph_corr-c.mat")["Position3DGrid"]
    np.testing.assert_allclose(depth, grid[..., 3], rtol=1e-6)
    assert image.shape == (22, 14, 3) and image.dtype == np.uint8
    sample = make_loader(DataConfig(dataset="make3d", root=str(make3d_root), image_size=[22, 14]), "test", "monocular")[
        1
    ](0)
    np.testing.assert_allclose(sample["target"][..., 0], np.repeat(np.repeat(grid[..., 3], 2, 0), 2, 1), rtol=1e-6)
    assert sample["image"].shape == (22, 14, 3) and 0 <= sample["image"].min() and sample["image"].max() <= 1


def test_make3d_bad_input(make3d_root, tmp_path_factory):
    with pytest.raises(DatasetError, match="dataset not found at .*Train400Img"):
        Make3D(tmp_path_factory.mktemp("empty")).items("train")
    io.savemat(make3d_root / "Test134Depth/depth_sph_corr-c.mat", {"Position3DGrid": np.ones((3, 3, 3))})
    make3d = Make3D(make3d_root)
    with pytest.raises(DatasetError, match=r"Position3DGrid has shape \(3, 3, 3\)"):
        make3d.read(make3d.items("test")[0])
    (make3d_root / "Train400Depth/depth_sph_corr-b.mat").unlink()
    with pytest.raises(DatasetError, match="depth_sph_corr-b.mat: missing"):
        Make3D(make3d_root).items("train")


# Middlebury ------------------------------------------------------------------------------------


def _scene_2014(folder, disparity_value=40.0):
    _png(folder / "im0.png", _rgb(10, 12))
    disparity = np.full((10, 12), disparity_value, np.float32)
    disparity[0, 0] = np.inf
    _pfm(folder / "disp0.pfm", disparity)
    (folder / "calib.txt").write_text(
        "cam0=[1000 0 6; 0 1000 5; 0 0 1]\ncam1=[1000 0 16; 0 1000 5; 0 0 1]\n"
        "doffs=10\nbaseline=100\nwidth=12\nheight=10\nndisp=64\n"
    )


def _scene_2006(folder):
    _png(folder / "view1.png", _rgb(10, 12))
    disparity = np.full((10, 12), 60, np.uint8)
    disparity[1, 1] = 0
    _png(folder / "disp1.png", disparity)
    (folder / "dmin.txt").write_text("20\n")


def test_middlebury_calibration_arithmetic_by_hand(tmp_path):
    _scene_2014(tmp_path / "Adirondack")
    scene = load_scene(tmp_path / "Adirondack")
    assert scene["image"].dtype == np.uint8 and scene["image"].shape == (10, 12, 3)
    assert not scene["valid"][0, 0] and np.isnan(scene["depth"][0, 0])
    assert scene["depth"][3, 4] == pytest.approx(100 * 1000 / (40 + 10))  # 2000 mm
    _scene_2006(tmp_path / "Aloe")
    scene = load_scene(tmp_path / "Aloe")
    assert not scene["valid"][1, 1] and scene["disparity"][2, 2] == 60
    assert scene["depth"][2, 2] == pytest.approx(160 * 3740 / (60 + 20))  # 7480 mm


def test_middlebury_is_a_test_set_of_every_scene(tmp_path, capsys):
    for index in range(5):
        (_scene_2014 if index % 2 else _scene_2006)(tmp_path / f"scene{index}")
    middlebury = Middlebury(tmp_path)
    assert [p.name for p in middlebury.items("test")] == [f"scene{i}" for i in range(5)]
    assert "5 scenes, the paper used 35" in capsys.readouterr().err
    with pytest.raises(DatasetError, match="Middlebury is a test set .*train on NYU"):
        middlebury.items("train")
    data = DataConfig(dataset="middlebury", root=str(tmp_path), image_size=[8, 12])
    length, load = make_loader(data, "test", "monocular")
    sample = load(1)  # scene1, 2014 layout: 2 m everywhere but the unknown corner
    assert length == 5 and sample["target"].shape == (8, 12, 1)
    assert sample["valid"][0, 0, 0] == 0 and sample["target"][0, 0, 0] == 0
    assert sample["target"][2, 3, 0] == pytest.approx(2.0)


def test_middlebury_bad_input(tmp_path):
    with pytest.raises(DatasetError, match="not a Middlebury scene"):
        load_scene(tmp_path)
    _scene_2014(tmp_path / "a")
    (tmp_path / "a" / "calib.txt").write_text("doffs=10\n")
    with pytest.raises(DatasetError, match="calib.txt: expected cam0="):
        load_scene(tmp_path / "a")
    _scene_2014(tmp_path / "b")
    write_pfm(tmp_path / "b" / "disp0.pfm", np.ones((4, 4), np.float32))
    with pytest.raises(DatasetError, match=r"disparity \(4, 4\) and image \(10, 12\) differ"):
        load_scene(tmp_path / "b")
    _scene_2014(tmp_path / "c")
    write_pfm(tmp_path / "c" / "disp0.pfm", np.full((10, 12), np.inf, np.float32))
    with pytest.raises(DatasetError, match="c: no known disparity"):
        load_scene(tmp_path / "c")


# Generated files in the published formats (bench/pipeline.py) -----------------------------------


def test_generated_nyu_files_read_back_as_the_scenes(tmp_path, capsys):
    nyu = NYUDepthV2(write_nyu_files(tmp_path, train=2, test=1, size=(12, 16), seed=3))
    assert list(nyu.items("train")) == [0, 1] and list(nyu.items("test")) == [2]
    image, depth = nyu.read(2)
    scene = generate_scene((3, 2), 12, 16)
    np.testing.assert_array_equal(image, scene["image"])
    np.testing.assert_array_equal(depth, scene["depth"])


def test_generated_make3d_tree_pairs_images_with_depth_grids(tmp_path, capsys):
    make3d = Make3D(write_make3d_tree(tmp_path, train=2, test=1, image_size=(40, 32), grid_size=(11, 7)))
    assert len(make3d.items("train")) == 2
    image, depth = make3d.read(make3d.items("test")[0])
    scene = generate_scene((0, True, 0), 10, 8)
    assert image.shape == (40, 32, 3) and depth.shape == (11, 7)
    np.testing.assert_allclose(depth, cv2.resize(scene["depth"], (7, 11), interpolation=cv2.INTER_NEAREST), rtol=1e-6)
