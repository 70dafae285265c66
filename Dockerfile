# The API service image: the detector and the API only; no torch, no ultralytics (training stays outside).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    POTHOLE_DATABASE_URL=sqlite:////data/pothole-watch.db
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md pothole_cli.py ./
COPY common ./common
COPY detector ./detector
COPY api ./api
COPY training/__init__.py ./training/__init__.py
RUN pip install '.[api]'
# weights/current.json names the model in service; the image carries exactly that model and its card.
COPY weights ./weights
RUN useradd --create-home pothole && mkdir -p /data && chown pothole /data
USER pothole
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["pothole", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
