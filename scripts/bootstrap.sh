# Sourced by scripts/run and scripts/test: make sure uv is there and the virtualenv matches uv.lock.
# Needs only Python 3.11 with pip on a fresh machine.
UV_VERSION=0.13.9
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet --user "uv==$UV_VERSION" || python3 -m pip install --quiet "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --quiet
