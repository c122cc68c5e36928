"""Exact searches over whole heatmaps that look at a few tiles instead of every pixel.

The official grouping max-pools every heatmap for NMS and, in refine, builds a full tag-distance map
per person and joint; at 512 x 512 that is most of its run time. Both searches only ever need the
pixels near the best values, so the maps are cut into square tiles with cheap per-tile bounds
(maximum heat; bounding box of the tags), and only tiles whose bound can still reach the answer are
evaluated pixel by pixel. The results are those of the full computation, float32 ties included:
the bounds are computed with the same monotone float32 operations as the exact values.

One thing tiles cannot give: the order in which ``torch.topk`` returns equal values (its own, not
by index), which the official grouping inherits. Where equal peaks above the detection threshold
make that order matter, the top-k search runs the official full-map ``topk`` instead.

Maps are ``[K, H, W]`` (heat) and ``[K, H, W, T]`` (tags) torch tensors on any device.
"""
import torch
import torch.nn.functional as F

TILE = 16  # tile side in heatmap pixels (a power of 2)

# refine: bound on (person, joint) pairs x tiles, and on evaluated tile pixels, per chunk
_MAX_BOUND_CELLS = 1 << 20
_MAX_ITEM_PIXELS = 1 << 20
# refine: a pair whose bounds leave more than 1/_DENSE_FRACTION of the tiles is searched in full
_DENSE_FRACTION = 4
_FIRST_ROUND_TILES = 1
_NO_INDEX = torch.iinfo(torch.int64).max


def tile_max(maps, size=TILE):
    """``[C, ceil(H / size), ceil(W / size), ...]`` maximum of each tile of ``[C, H, W, ...]`` maps
    (border tiles are partial)."""
    return _tile_reduce(maps, size, torch.amax, torch.maximum, float('-inf'))


def tile_min(maps, size=TILE):
    """Like ``tile_max``, the minimum."""
    return _tile_reduce(maps, size, torch.amin, torch.minimum, float('inf'))


def _tile_reduce(maps, size, reduce, pairwise, pad_value):
    channels, height, width = maps.shape[:3]
    rest = maps.shape[3:]
    tall, wide = -(-height // size), -(-width // size)
    if (tall * size, wide * size) != (height, width):
        maps = F.pad(maps.movedim((1, 2), (-2, -1)), (0, wide * size - width, 0, tall * size - height),
                     value=pad_value).movedim((-2, -1), (1, 2))
    # First over the rows of each tile, with whole image rows as the contiguous inner dimension
    # (several times faster than max_pool2d or a reduction over short inner groups), then over the
    # columns of the 1/size as large result, by halving (size is a power of 2; again faster than a
    # reduction over the short strided groups).
    cols = reduce(maps.reshape(channels, tall, size, -1), dim=2)
    cols = cols.reshape((channels, tall, wide, size) + rest)
    while cols.shape[3] > 1:
        half = cols.shape[3] // 2
        cols = pairwise(cols[:, :, :, :half], cols[:, :, :, half:])
    return cols[:, :, :, 0]


def _tile_origin(tiles, width):
    """Row and column of the top-left pixel of flat tile ids (row-major over the tile grid)."""
    tiles_wide = -(-width // TILE)
    return (tiles // tiles_wide) * TILE, (tiles % tiles_wide) * TILE


def _map_index(tiles, local, height, width):
    """Row-major index within the map of pixel ``local`` (row-major within the tile) of a tile;
    clamped to the map (only ever needed for the meaningless entries of a partial border tile)."""
    top, left = _tile_origin(tiles, width)
    return ((top + local // TILE).clamp(max=height - 1) * width
            + (left + local % TILE).clamp(max=width - 1))


def _gather_tiles(maps, joint, tiles, halo=0, fill=float('-inf')):
    """The pixels of the given tiles of ``maps[joint]`` with ``halo`` pixels around them,
    ``[N, A, A, ...]`` (A = TILE + 2 * halo), ``fill`` outside the map."""
    _, height, width = maps.shape[:3]
    rest = maps.shape[3:]
    top, left = _tile_origin(tiles, width)
    offsets = torch.arange(-halo, TILE + halo, device=tiles.device)
    rows, cols = top[:, None] + offsets, left[:, None] + offsets
    row_ok, col_ok = (rows >= 0) & (rows < height), (cols >= 0) & (cols < width)
    map_rows = joint[:, None] * height + rows.clamp(0, height - 1)  # [N, A] rows of maps[j]
    if width % TILE == 0 and halo <= TILE:
        # Gather whole tile rows (TILE contiguous pixels, plus the tile rows left and right of it
        # for a halo): ~10x faster than gathering single pixels.
        blocks_wide = width // TILE
        block_cols = left // TILE
        if halo:
            block_cols = (block_cols[:, None] + torch.arange(-1, 2, device=tiles.device))
            block_cols = block_cols.clamp(0, blocks_wide - 1)
        else:
            block_cols = block_cols[:, None]
        blocks = map_rows[:, :, None] * blocks_wide + block_cols[:, None, :]  # [N, A, 1 or 3]
        pixels = maps.reshape(-1, TILE * rest.numel()).index_select(0, blocks.reshape(-1))
        pixels = pixels.reshape((len(tiles), rows.shape[1], block_cols.shape[1] * TILE) + rest)
        if halo:
            pixels = pixels[:, :, TILE - halo:2 * TILE + halo]
    else:
        flat = map_rows[:, :, None] * width + cols.clamp(0, width - 1)[:, None, :]
        pixels = maps.reshape((-1,) + rest).index_select(0, flat.reshape(-1))
        pixels = pixels.reshape(flat.shape + rest)
    if not (bool(row_ok.all()) and bool(col_ok.all())):
        outside = ~(row_ok[:, :, None] & col_ok[:, None, :])
        pixels = pixels.masked_fill(outside.reshape(outside.shape + (1,) * len(rest)), fill)
    return pixels


def nms_top_k(det, k, threshold, nms_kernel=5, tile_max_det=None):
    """The official NMS + ``topk(k)`` per joint, for the entries above ``threshold`` (>= 0).

    NMS keeps a pixel equal to the maximum of the ``nms_kernel`` square around it (implicit -inf
    outside the map; stride 1, padding ``nms_kernel // 2``). Returns float32 values ``[K, k]``
    (descending) and int64 flat indices. Entries with value <= ``threshold`` are not meaningful
    (the official ones are zeros of suppressed pixels in unspecified order; ours are 0 too),
    unless equal values above ``threshold`` made this take the full map (``official_nms_top_k``):
    then every entry is the official one.
    """
    # One entry more than asked, so that a tie at the k-th place shows.
    val_k, ind = tiled_nms_top_k(det, k + 1, threshold, nms_kernel, tile_max_det)
    if tie_order_matters(val_k, threshold):
        return official_nms_top_k(det, k, nms_kernel)
    return val_k[:, :k], ind[:, :k]


def tie_order_matters(val_k, threshold):
    """Whether the official result depends on the order in which ``torch.topk`` returns equal
    values, given the ``k + 1`` best values per joint (descending, exact above ``threshold``).

    topk returns equal values in an order of its own (not by index; it depends on the device and
    on the tensor's shape and k), and that order is the order of the candidates in the matching,
    or, at the k-th place, decides which of them are taken at all. Only candidates above
    ``threshold`` reach the matching; sorted values are equal only next to each other.
    """
    higher, lower = val_k[:, :-1], val_k[:, 1:]
    return bool(((higher == lower) & (higher > threshold)).any())


def official_nms_top_k(det, k, nms_kernel=5):
    """The official ``HeatmapParser.top_k`` search itself: NMS of the whole map, then ``topk``
    over the tensor the official code hands it, ``[1, K, H * W]`` float32 of a batch of one image,
    on the maps' device, so that equal values come out in its order. Returns values ``[K, k]``
    and flat indices, every entry the official one."""
    num_joints = det.shape[0]
    halo = nms_kernel // 2
    # The official max-pool (implicit -inf padding), separably: a max is exact in any order, so
    # the kept pixels are the official ones, and it is a few times faster on the CPU.
    pooled = _window_max(F.pad(det, (halo, halo, halo, halo), value=float('-inf')), nms_kernel)
    batch = det.contiguous()[None]
    # det * mask as the official code, with the mask as bool: the same float32 products
    kept = batch * torch.eq(pooled[None], batch)
    val_k, ind = kept.view(1, num_joints, -1).topk(min(k, kept[0, 0].numel()), dim=2)
    return val_k[0], ind[0]


def tiled_nms_top_k(det, k, threshold, nms_kernel=5, tile_max_det=None):
    """``nms_top_k`` from the tiles that can hold the k best survivors above ``threshold``.

    Values above ``threshold`` are exact; equal values among them are in an order of their own.
    """
    num_joints, height, width = det.shape
    halo = nms_kernel // 2
    if tile_max_det is None:
        tile_max_det = tile_max(det)
    tile_values = tile_max_det.reshape(num_joints, -1)
    num_tiles = tile_values.shape[1]
    count = min(num_tiles, k)  # usually enough: about one tile per peak
    pixels = TILE * TILE
    while True:
        # Tiles in decreasing order of their maximum: a survivor is never above its tile's maximum,
        # so tiles whose maximum is <= threshold are not looked at.
        best_tiles, tiles = tile_values.topk(count, dim=1)
        joint, rank = torch.nonzero(best_tiles > threshold, as_tuple=True)
        patch = _gather_tiles(det, joint, tiles[joint, rank], halo)
        centre = patch[:, halo:halo + TILE, halo:halo + TILE]
        # pixels outside the map are -inf and equal their -inf window maximum: not survivors
        survivor = (centre == _window_max(patch, nms_kernel)) & (centre > float('-inf'))
        values = torch.zeros(num_joints, count, pixels, dtype=det.dtype, device=det.device)
        values[joint, rank] = torch.where(survivor, centre, 0.0).reshape(-1, pixels)
        val_k, order = values.reshape(num_joints, -1).topk(min(k, count * pixels), dim=1)
        # Done when no tile left out can hold a survivor above threshold that would enter the
        # top k: all tiles above threshold were taken, or the k-th value beats every tile left out
        # (whose maxima are <= the last one taken).
        above = (tile_values > threshold).sum(dim=1)
        done = above <= count
        if val_k.shape[1] == k:
            done |= best_tiles[:, -1] < val_k[:, -1]
        if count == num_tiles or bool(done.all()):
            return val_k, _map_index(tiles.gather(1, order // pixels), order % pixels,
                                     height, width)
        # next round: at least twice the tiles, up to every tile above threshold, at most 4 times
        count = min(num_tiles, 4 * count, max(2 * count, int(above.max())))


def _window_max(maps, kernel):
    """Max over every ``kernel`` x ``kernel`` window of ``[N, A, B]`` maps (valid positions),
    done separably: along rows, then along columns."""
    return _running_max(_running_max(maps, kernel, 2), kernel, 1)


def _running_max(maps, kernel, dim):
    """Max over every run of ``kernel`` entries along ``dim`` (valid positions): runs of doubling
    length, then two overlapping ones covering ``kernel`` (a max may count an entry twice); exact,
    as a max is in any order."""
    size = maps.shape[dim] - kernel + 1
    runs, length = maps, 1
    while 2 * length <= kernel:
        rest = runs.shape[dim] - length
        runs = torch.maximum(runs.narrow(dim, 0, rest), runs.narrow(dim, length, rest))
        length *= 2
    return torch.maximum(runs.narrow(dim, 0, size), runs.narrow(dim, kernel - length, size))


def _round_distance(diff):
    """float32 ``round(sqrt(sum_t diff_t ** 2))`` over the last dimension, summed in channel order
    as numpy does for the official ``((tag - mean) ** 2).sum(axis=2) ** 0.5``; half to even."""
    total = diff[..., 0] * diff[..., 0]
    for t in range(1, diff.shape[-1]):
        total = total + diff[..., t] * diff[..., t]
    return torch.round(total.sqrt())


def refine_argmax(det, tag, joint, mean_tag, tile_max_det=None):
    """For each pair (``joint[b]``, ``mean_tag[b]``): flat index of the first row-major maximum of
    the official refine score map ``det[j] - round(||tag[j] - mean_tag||)`` (float32).

    Per tile, ``det`` max minus the rounded distance from ``mean_tag`` to the tile's tag bounding
    box bounds every pixel's score from above (each float32 step is monotone). Tiles are evaluated
    pixel by pixel in decreasing order of their bound (in rounds of growing size) until the next
    bound is below the best score found: every tile that could hold a maximum, or an equal score at
    an earlier pixel, has then been seen. Pairs for which that takes too many tiles (noisy tags)
    get the full map instead.
    """
    num_joints, height, width = det.shape
    num_tags = tag.shape[3]
    if tile_max_det is None:
        tile_max_det = tile_max(det)
    tag_high = tile_max(tag).flatten(1, 2)  # [K, tiles, T]
    tag_low = tile_min(tag).flatten(1, 2)
    heat_high = tile_max_det.flatten(1)  # [K, tiles]
    num_tiles = heat_high.shape[1]
    # gathering tiles costs a few times more per pixel than a full-map pass
    dense_after = max(1, num_tiles // _DENSE_FRACTION)

    result = torch.empty(len(joint), dtype=torch.int64, device=det.device)
    chunk = max(1, _MAX_BOUND_CELLS // (num_tiles * num_tags))
    for start in range(0, len(joint), chunk):
        j = joint[start:start + chunk]
        q = mean_tag[start:start + chunk]
        # per channel the tag value within the tile's range that is closest to the mean tag
        nearest = torch.minimum(torch.maximum(q[:, None, :], tag_low[j]), tag_high[j])
        # bounds of the tiles not yet taken (-inf once evaluated or ruled out)
        bound = heat_high[j] - _round_distance(nearest - q[:, None, :])
        best = torch.full((len(j),), float('-inf'), dtype=det.dtype, device=det.device)
        first = torch.full((len(j),), _NO_INDEX, dtype=torch.int64, device=det.device)
        active = torch.arange(len(j), device=det.device)
        taken, step = 0, _FIRST_ROUND_TILES
        while len(active):
            if taken >= dense_after:
                first[active] = _first_max_full(det, tag, j[active], q[active])
                break
            top, tiles = bound[active].topk(min(step, num_tiles - taken), dim=1)
            pair = active[:, None].expand_as(tiles)
            bound[pair, tiles] = float('-inf')
            useful = top >= best[active][:, None]
            _merge_tiles(det, tag, j, q, pair[useful], tiles[useful], best, first)
            taken, step = taken + tiles.shape[1], step * 2
            active = active[bound[active].amax(dim=1) >= best[active]]
        result[start:start + chunk] = first
    return result


def _merge_tiles(det, tag, joint, mean_tag, pair, tiles, best, first):
    """Evaluate tile ``tiles[i]`` for pair ``pair[i]`` and merge into the pairs' ``best`` score and
    ``first`` (smallest flat index with that score), in place."""
    chunk = max(1, _MAX_ITEM_PIXELS // (TILE * TILE * tag.shape[3]))
    item_best = torch.empty(len(pair), dtype=det.dtype, device=det.device)
    item_first = torch.empty(len(pair), dtype=torch.int64, device=det.device)
    for start in range(0, len(pair), chunk):
        p = pair[start:start + chunk]
        item_best[start:start + chunk], item_first[start:start + chunk] = _best_in_tiles(
            det, tag, joint[p], mean_tag[p], tiles[start:start + chunk])
    merged = best.clone().scatter_reduce_(0, pair, item_best, 'amax')
    first.masked_fill_(best != merged, _NO_INDEX)
    item_first.masked_fill_(item_best != merged[pair], _NO_INDEX)
    first.scatter_reduce_(0, pair, item_first, 'amin')
    best.copy_(merged)


def _best_in_tiles(det, tag, joint, mean_tag, tiles):
    """Per item (joint, mean tag, tile): best score in the tile and the smallest flat index having
    it (tile pixels in row-major order are in global row-major order)."""
    heat = _gather_tiles(det, joint, tiles)
    tags = _gather_tiles(tag, joint, tiles, fill=0.0)
    score = heat - _round_distance(tags - mean_tag[:, None, None, :])  # -inf outside the map
    score = score.flatten(1)
    best = score.amax(dim=1)
    local = score.argmax(dim=1)  # the first of equal maxima, row-major within the tile
    return best, _map_index(tiles, local, det.shape[1], det.shape[2])


def _first_max_full(det, tag, joint, mean_tag):
    """``refine_argmax`` by evaluating the whole map of each pair (chunked)."""
    _, height, width = det.shape
    chunk = max(1, _MAX_ITEM_PIXELS // (height * width))
    found = []
    for start in range(0, len(joint), chunk):
        j = joint[start:start + chunk]
        score = det[j] - _round_distance(tag[j] - mean_tag[start:start + chunk, None, None, :])
        found.append(score.flatten(1).argmax(dim=1))  # first maximum, row-major
    return torch.cat(found)
