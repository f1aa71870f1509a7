"""Maps every `projects/<name>/` folder to `labeleff.projects.<name>` (as Detectron2 maps
`detectron2.projects.*`); all metadata lives in setup.cfg."""
from setuptools import find_packages, setup

packages = find_packages(include=["labeleff", "labeleff.*"])
packages += ["labeleff.projects." + p for p in find_packages("projects")]
packages.append("labeleff.projects")
setup(packages=packages, package_dir={"labeleff": "labeleff", "labeleff.projects": "projects"})
