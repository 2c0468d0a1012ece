"""The media engine: probe an upload, plan and encode an HLS ladder, make stills.

A pure library (no database, web or queue). The pipeline, in order:

- `probe.probe(path, limits)` accepts an upload or raises a `MediaRejected`
  (`UnreadableMedia` 422, `UnsupportedMedia` 415, `MediaTooLarge` 413);
- `ladder.plan_ladder(result)` chooses the renditions;
- `transcode.build_command(...)` + `transcode.run_transcode(...)` encode every
  rung in one ffmpeg; `first_segments_ready` / `write_master_playlist` publish
  the ladder while it is being made, `finalize_playlists` turns it into VOD and
  `probe_output` describes it;
- `images.make_poster`, `make_thumbnail_candidates` and `make_storyboard`.

Failures to encode raise `TranscodeFailed` (retry when `transient`) or
`TranscodeTimeout`. See each module for the security and design notes.
"""
