import pytest

from tests.factories import ClientFactory
from tests.funnel.factories import LossReasonFactory, make_scenario


@pytest.fixture
def wholesale(db):
    return make_scenario()


@pytest.fixture
def stages(wholesale):
    return wholesale[1]


@pytest.fixture
def scenario(wholesale):
    return wholesale[0]


@pytest.fixture
def own_client(manager):
    return ClientFactory(responsible=manager, region=manager.region)


@pytest.fixture
def price_reason(db):
    return LossReasonFactory(name="Price")
