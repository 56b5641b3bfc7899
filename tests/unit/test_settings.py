"""Settings: defaults for a server, a config file, and environment variables that win."""
from __future__ import annotations

from pathlib import Path

import pytest

from odin.settings import Settings, load_settings, settings_from
from odin.errors import InputError


def test_the_defaults_suit_a_server():
    settings = settings_from({})
    assert settings == Settings(Path("/etc/systemd/system"), Path("/var/lib/odin/jobs"), None, Path("/run/odin.lock"))


def test_environment_variables_override_the_config_file():
    settings = settings_from({"ODIN_UNIT_DIR": "/tmp/units", "ODIN_PUSHGATEWAY_URL": "http://gw:9091"},
                             {"unit_dir": "/srv/units", "jobs_dir": "/srv/jobs"})
    assert settings.unit_dir == Path("/tmp/units")
    assert settings.jobs_dir == Path("/srv/jobs")
    assert settings.pushgateway_url == "http://gw:9091"


def test_an_unknown_setting_is_refused_with_the_known_ones():
    with pytest.raises(InputError, match="unknown setting 'unit_directory'") as caught:
        settings_from({}, {"unit_directory": "/x"}, "odin.yml")
    assert "unit_dir" in caught.value.hint


def test_a_setting_must_be_a_string():
    with pytest.raises(InputError, match="'jobs_dir' must be a non-empty string"):
        settings_from({}, {"jobs_dir": 3})


def test_the_config_file_named_by_odin_config_is_read(tmp_path):
    config = tmp_path / "odin.yml"
    config.write_text("jobs_dir: /data/jobs\nlock_file: /tmp/odin-test.lock\n")
    settings = load_settings({"ODIN_CONFIG": str(config)})
    assert (settings.jobs_dir, settings.lock_file) == (Path("/data/jobs"), Path("/tmp/odin-test.lock"))


def test_a_config_file_that_is_not_a_mapping_is_refused(tmp_path):
    config = tmp_path / "odin.yml"
    config.write_text("- a\n- b\n")
    with pytest.raises(InputError, match="expected a mapping"):
        load_settings({"ODIN_CONFIG": str(config)})
