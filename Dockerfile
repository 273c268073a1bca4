# One image for every role: `python main.py` (one process), `python main.py web`, `python main.py worker`.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 BOTARMY_HOST=0.0.0.0 BOTARMY_PORT=8080 BOTARMY_DATA_DIR=/data
COPY pyproject.toml main.py ./
COPY core core
COPY agents agents
COPY ui ui
COPY assets assets
RUN pip install --no-cache-dir -e . && useradd --create-home botarmy && mkdir /data && chown botarmy /data
USER botarmy
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)"
CMD ["python", "main.py"]
