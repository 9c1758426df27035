"""An OpenSCENARIO file written here the way other tools write them (no nines: properties): a
cut-in on the `straight` template's road, for the import's tests.

The ego (a catalog vehicle) starts in lane -1 by LanePosition at $EgoSpeed; a car in lane -2
(inline Vehicle) passes it and cuts into its lane when the two are closer than $CutDistance
centre to centre (a RelativeDistanceCondition without freespace), then brakes at 2 m/s^2 at
12 s; a barrier (MiscObject by RoadPosition) stands on the shoulder side far ahead. Fog comes
from an EnvironmentAction; the StopTrigger ends the run at 30 s.
"""
from __future__ import annotations

from pathlib import Path

from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr

CATALOG = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO><FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="cars" author="t"/>
<Catalog name="VehicleCatalog">
  <Vehicle name="sedan" vehicleCategory="car"><ParameterDeclarations/>
    <Performance maxSpeed="60" maxAcceleration="5" maxDeceleration="9"/>
    <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.8" length="4.5" height="1.5"/></BoundingBox>
    <Axles><FrontAxle maxSteering="0.5" wheelDiameter="0.6" trackWidth="1.5" positionX="2.8" positionZ="0.3"/>
      <RearAxle maxSteering="0" wheelDiameter="0.6" trackWidth="1.5" positionX="0" positionZ="0.3"/></Axles>
    <Properties/></Vehicle>
</Catalog></OpenSCENARIO>
"""

SCENARIO = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="cut-in" author="tests"/>
  <ParameterDeclarations>
    <ParameterDeclaration name="EgoSpeed" parameterType="double" value="12"/>
    <ParameterDeclaration name="CutDistance" parameterType="double" value="12"/>
    <ParameterDeclaration name="nines_exposure_per_km" parameterType="double" value="0.01"/>
    <ParameterDeclaration name="nines_exposure_source" parameterType="string" value="assumed: a test scenario"/>
  </ParameterDeclarations>
  <CatalogLocations><VehicleCatalog><Directory path="catalogs"/></VehicleCatalog></CatalogLocations>
  <RoadNetwork><LogicFile filepath="straight.xodr"/></RoadNetwork>
  <Entities>
    <ScenarioObject name="hero"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/></ScenarioObject>
    <ScenarioObject name="cutter">
      <Vehicle name="cutter" vehicleCategory="car"><ParameterDeclarations/>
        <Performance maxSpeed="60" maxAcceleration="5" maxDeceleration="9"/>
        <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.9" length="4.8" height="1.5"/></BoundingBox>
        <Axles><FrontAxle maxSteering="0.5" wheelDiameter="0.6" trackWidth="1.5" positionX="2.8" positionZ="0.3"/>
          <RearAxle maxSteering="0" wheelDiameter="0.6" trackWidth="1.5" positionX="0" positionZ="0.3"/></Axles>
        <Properties/></Vehicle>
    </ScenarioObject>
    <ScenarioObject name="barrier">
      <MiscObject miscObjectCategory="barrier" mass="50" name="barrier"><ParameterDeclarations/>
        <BoundingBox><Center x="0" y="0" z="0.5"/><Dimensions width="2.0" length="0.5" height="1.0"/></BoundingBox>
        <Properties/></MiscObject>
    </ScenarioObject>
  </Entities>
  <Storyboard>
    <Init><Actions>
      <GlobalAction><EnvironmentAction><Environment name="fog">
        <TimeOfDay animation="false" dateTime="2026-01-01T12:00:00"/>
        <Weather cloudState="cloudy"><Sun intensity="50000" azimuth="0" elevation="0.8"/><Fog visualRange="200"/>
          <Precipitation precipitationType="dry" intensity="0"/></Weather>
        <RoadCondition frictionScaleFactor="0.9"/></Environment></EnvironmentAction></GlobalAction>
      <Private entityRef="hero">
        <PrivateAction><TeleportAction><Position><LanePosition roadId="1" laneId="-1" s="10" offset="0"/></Position>
        </TeleportAction></PrivateAction>
        <PrivateAction><LongitudinalAction><SpeedAction>
          <SpeedActionDynamics dynamicsShape="step" value="0" dynamicsDimension="time"/>
          <SpeedActionTarget><AbsoluteTargetSpeed value="$EgoSpeed"/></SpeedActionTarget></SpeedAction>
        </LongitudinalAction></PrivateAction>
      </Private>
      <Private entityRef="cutter">
        <PrivateAction><TeleportAction><Position><LanePosition roadId="1" laneId="-2" s="5" offset="0"/></Position>
        </TeleportAction></PrivateAction>
        <PrivateAction><LongitudinalAction><SpeedAction>
          <SpeedActionDynamics dynamicsShape="step" value="0" dynamicsDimension="time"/>
          <SpeedActionTarget><AbsoluteTargetSpeed value="16"/></SpeedActionTarget></SpeedAction>
        </LongitudinalAction></PrivateAction>
      </Private>
      <Private entityRef="barrier">
        <PrivateAction><TeleportAction><Position><RoadPosition roadId="1" s="280" t="-8.5"/></Position>
        </TeleportAction></PrivateAction>
      </Private>
    </Actions></Init>
    <Story name="cut_in"><Act name="act">
      <ManeuverGroup maximumExecutionCount="1" name="cutter_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="cutter"/></Actors>
        <Maneuver name="cut">
          <Event name="cut_in" priority="overwrite">
            <Action name="change"><PrivateAction><LateralAction><LaneChangeAction>
              <LaneChangeActionDynamics dynamicsShape="sinusoidal" value="2.5" dynamicsDimension="time"/>
              <LaneChangeTarget><RelativeTargetLane entityRef="cutter" value="1"/></LaneChangeTarget>
            </LaneChangeAction></LateralAction></PrivateAction></Action>
            <StartTrigger><ConditionGroup><Condition name="close" delay="0" conditionEdge="rising">
              <ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="hero"/>
              </TriggeringEntities><EntityCondition>
                <RelativeDistanceCondition entityRef="cutter" freespace="false" relativeDistanceType="cartesianDistance"
                  value="$CutDistance" rule="lessThan"/></EntityCondition></ByEntityCondition>
            </Condition></ConditionGroup></StartTrigger>
          </Event>
          <Event name="brake" priority="parallel">
            <Action name="stop"><PrivateAction><LongitudinalAction><SpeedAction>
              <SpeedActionDynamics dynamicsShape="linear" value="2" dynamicsDimension="rate"/>
              <SpeedActionTarget><AbsoluteTargetSpeed value="0"/></SpeedActionTarget></SpeedAction>
            </LongitudinalAction></PrivateAction></Action>
            <StartTrigger><ConditionGroup><Condition name="later" delay="0" conditionEdge="rising">
              <ByValueCondition><SimulationTimeCondition value="12" rule="greaterThan"/></ByValueCondition>
            </Condition></ConditionGroup></StartTrigger>
          </Event>
        </Maneuver>
      </ManeuverGroup>
      <StartTrigger><ConditionGroup><Condition name="go" delay="0" conditionEdge="rising">
        <ByValueCondition><SimulationTimeCondition value="0" rule="greaterThan"/></ByValueCondition>
      </Condition></ConditionGroup></StartTrigger>
    </Act></Story>
    <StopTrigger><ConditionGroup><Condition name="end" delay="0" conditionEdge="rising">
      <ByValueCondition><SimulationTimeCondition value="30" rule="greaterThan"/></ByValueCondition>
    </Condition></ConditionGroup></StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def write_cut_in(folder: Path, scenario: str = SCENARIO) -> Path:
    """The scenario, its catalog and its road (the straight template's OpenDRIVE) in folder."""
    (folder / "catalogs").mkdir(parents=True, exist_ok=True)
    (folder / "catalogs" / "vehicles.xosc").write_text(CATALOG)
    (folder / "straight.xodr").write_text(to_xodr(TEMPLATES["straight"]()))
    path = folder / "cut_in.xosc"
    path.write_text(scenario)
    return path
