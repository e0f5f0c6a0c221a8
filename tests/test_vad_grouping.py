from diktat.stt.vad import group_regions


def test_close_regions_join_and_distant_ones_stay_apart():
    regions = [(0.0, 3.0), (3.5, 6.0), (66.0, 70.0)]
    assert group_regions(regions) == [(0.0, 6.0), (66.0, 70.0)]


def test_clips_never_exceed_the_window():
    regions = [(i * 5.0, i * 5.0 + 4.5) for i in range(12)]  # 60 s of speech, 0.5 s pauses
    clips = group_regions(regions, max_clip_s=29.0)
    assert all(e - s <= 29.0 for s, e in clips)
    assert clips[0][0] == 0.0 and clips[-1][1] == regions[-1][1]
    assert len(clips) == 3


def test_empty():
    assert group_regions([]) == []
