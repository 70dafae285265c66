"""What the API, the vehicle agent and the simulator share, so each rule exists once.

- `geodesy`: WGS84 positions, distance, bearing, offsets and the local east/north frame.
- `gps`: a receiver fix and the one rule for a heading the receiver cannot give (stopped, slow, absent).
- `contract`: the wire contract of the ingest endpoints as pydantic models; the agent builds its bodies
  with them and the API validates with them.
- `images`: JPEG/PNG sniffing and the size caps of uploaded images.

Only the standard library and pydantic: never fastapi, sqlalchemy, OpenCV or our other packages.
"""
